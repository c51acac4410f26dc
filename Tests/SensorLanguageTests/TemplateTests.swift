import EventModel
import SensorLanguage
import Testing

/// Go templates against what Go's text/template and sprig v3 print for the same template and input.
struct TemplateTests {
    static let input = #"""
        {"body":{"name":"Ada","n":3,"x":1.5,"tags":["x","y"],"m":{"b":2,"a":1},"empty":[],"flag":false,"s":""}}
        """#

    static func render(_ source: String) throws -> String {
        let bytes = Array(input.utf8)
        return try GoTemplate(source).render(input: try JSONCodec.decode(bytes))
    }

    @Test(arguments: [
        ("{{ if .Input.body.flag }}yes{{ else }}no{{ end }}", "no"),
        (#"{{ if eq .Input.body.name "Ada" }}hi{{ end }}"#, "hi"),
        ("{{ if gt .Input.body.n 5 }}big{{ else if gt .Input.body.n 2 }}mid{{ else }}small{{ end }}", "mid"),
        ("{{ if .Input.body.empty }}a{{ else if .Input.body.s }}b{{ end }}", ""),
        ("{{ range .Input.body.tags }}[{{ . }}]{{ end }}", "[x][y]"),
        ("{{ range $i, $v := .Input.body.tags }}{{ $i }}={{ $v }};{{ end }}", "0=x;1=y;"),
        ("{{ range $k, $v := .Input.body.m }}{{ $k }}:{{ $v }} {{ end }}", "a:1 b:2 "),
        ("{{ range $v := .Input.body.m }}{{ $v }}{{ end }}", "12"),
        ("{{ range .Input.body.empty }}x{{ else }}none{{ end }}", "none"),
        ("{{ range .Input.body.missing }}x{{ else }}none{{ end }}", "none"),
        ("{{ with .Input.body.name }}{{ . }}!{{ end }}", "Ada!"),
        ("{{ with .Input.body.s }}x{{ else }}empty{{ end }}", "empty"),
        ("{{ with $n := .Input.body.n }}{{ $n }}{{ . }}{{ end }}", "33"),
        ("{{ $x := .Input.body.n }}{{ $x = add $x 1 }}{{ $x }}", "4"),
        ("{{ range .Input.body.tags }}{{ $.Input.body.name }}{{ end }}", "AdaAda"),
        ("{{ $x := 1 }}{{ if true }}{{ $x := 2 }}{{ $x }}{{ end }}{{ $x }}", "21"),
        ("a  {{- /* comment */ -}}  b", "ab"),
        ("{{ range .Input.body.tags -}}\n  {{ . }}\n{{- end }}", "xy"),
        ("{{ range .Input.body.tags }}{{ if eq . \"y\" }}{{ break }}{{ end }}{{ . }}{{ end }}", "x"),
        ("{{ range $i, $t := .Input.body.tags }}{{ if eq $i 0 }}{{ continue }}{{ end }}{{ $t }}{{ end }}", "y"),
        ("{{ range .Input.body.tags }}{{ range $.Input.body.tags }}{{ break }}{{ end }}{{ . }}{{ end }}", "xy"),
        ("{{ .Input.body.missing }}", "<no value>"),
        (#"{{ index .Input.body "missing" }}"#, "<nil>"),
        (#"{{ "}}" }}"#, "}}"),
        ("{{ (index .Input.body.tags 0) | upper }}", "X"),
        ("{{ (.Input.body).name }}", "Ada"),
        ("{{ 'a' }} {{ 0x10 }} {{ 1.5 }} {{ 1e3 }} {{ -2 }}", "97 16 1.5 1000 -2"),
    ])
    func controlFlow(source: String, expected: String) throws {
        #expect(try Self.render(source) == expected)
    }

    @Test(arguments: [
        ("{{ and 1 0 2 }} {{ and 1 2 }} {{ or 0 \"\" \"z\" }} {{ or 0 \"\" }}", "0 2 z "),
        ("{{ not .Input.body.empty }} {{ not 1 }}", "true false"),
        ("{{ and false (index .Input.body.tags 9) }}", "false"),
        ("{{ or true (index .Input.body.tags 9) }}", "true"),
        ("{{ eq .Input.body.n 1 2 3 }} {{ eq .Input.body.n 1 2 }}", "true false"),
        (
            #"{{ eq "a" "a" }} {{ ne "a" "b" }} {{ eq true true }} {{ eq .Input.body.missing nil }}"#,
            "true true true true"
        ),
        (#"{{ lt .Input.body.x 2 }} {{ le 2 2 }} {{ gt "b" "a" }} {{ ge 1 2 }}"#, "true true true false"),
        (#"{{ eq "x" .Input.body.missing }}"#, "false"),
        ("{{ len .Input.body.tags }} {{ len .Input.body.name }} {{ len .Input.body.m }}", "2 3 2"),
        (
            #"{{ printf "%5.2f|%-4d|%x|%t|%q|%v|%s|%03d" .Input.body.x .Input.body.n 255 true "a" .Input.body.tags "s" 7 }}"#,
            #" 1.50|3   |ff|true|"a"|[x y]|s|007"#
        ),
        (#"{{ printf "%d %s" "a" }}"#, "%!d(string=a) %!s(MISSING)"),
        (#"{{ printf "%s|%.1s|%v|%s" 1.5 "ab" nil true }}"#, "%!s(float64=1.5)|a|<nil>|%!s(bool=true)"),
        (#"{{ print "a" 1 2 "b" }}"#, "a1 2b"),
        (#"{{ println "a" 1 }}"#, "a 1\n"),
        ("{{ slice .Input.body.tags 1 }} {{ slice .Input.body.name 0 2 }}", "[y] Ad"),
        (#"{{ html "<a&b>" }} {{ urlquery "a b&c" }} {{ js "it's" }}"#, #"&lt;a&amp;b&gt; a+b%26c it\'s"#),
    ])
    func builtins(source: String, expected: String) throws {
        #expect(try Self.render(source) == expected)
    }

    @Test(arguments: [
        (#"{{ "hello world_x" | title }}"#, "Hello World_x"),
        (#"{{ trimAll "$" "$5.00$" }} {{ trimPrefix "a" "aab" }} {{ trimSuffix "b" "abb" }}"#, "5.00 ab ab"),
        (#"{{ abbrev 5 "hello world" }} {{ trunc 2 "hello" }} {{ trunc -2 "hello" }}"#, "he... he lo"),
        (#"{{ indent 2 "a\nb" }}|{{ nindent 2 "a" }}"#, "  a\n  b|\n  a"),
        (#"{{ "a,b,c" | splitList "," | join "-" }} {{ (split "," "a,b")._1 }}"#, "a-b-c b"),
        (#"{{ cat "a" nil "b" }} {{ quote "a" 1 }} {{ squote "a" }}"#, #"a b "a" "1" 'a'"#),
        (
            #"{{ contains "d" .Input.body.name }} {{ hasPrefix "A" .Input.body.name }} {{ hasSuffix "x" "ax" }}"#,
            "true true true"
        ),
        (
            #"{{ replace "a" "o" "banana" }} {{ repeat 3 "ab" }} {{ substr 1 3 "hello" }} {{ nospace " a b " }}"#,
            "bonono ababab el ab"
        ),
        (#"{{ .Input.body.n | toString }} {{ upper "a" }}{{ lower "B" }} {{ trim "  c  " }}"#, "3 Ab c"),
        (
            #"{{ default "d" .Input.body.s }} {{ default "d" .Input.body.name }} {{ .Input.body.missing | default "m" }}"#,
            "d Ada m"
        ),
        (
            #"{{ empty .Input.body.empty }} {{ coalesce .Input.body.s 0 .Input.body.name }} {{ ternary "y" "n" false }}"#,
            "true Ada n"
        ),
        (
            "{{ list 1 2 3 | first }} {{ list 1 2 3 | last }} {{ list 1 2 3 | rest }} {{ list 1 2 3 | initial }}",
            "1 3 [2 3] [1 2]"
        ),
        (
            "{{ append (list 1) 2 }} {{ prepend (list 1) 0 }} {{ uniq (list 1 1 2) }} {{ without (list 1 2 3) 2 }}",
            "[1 2] [0 1] [1 2] [1 3]"
        ),
        (#"{{ has "x" .Input.body.tags }} {{ has "z" .Input.body.tags }}"#, "true false"),
        (#"{{ $d := dict "a" 1 "b" 2 }}{{ get $d "b" }} {{ get $d "z" }}|{{ hasKey $d "a" }}"#, "2 |true"),
        (#"{{ $d := dict "a" 1 }}{{ $_ := set $d "c" 3 }}{{ $d }} {{ unset $d "a" }}"#, "map[a:1 c:3] map[c:3]"),
        (
            #"{{ keys .Input.body.m }} {{ values .Input.body.m }} {{ pluck "a" .Input.body.m (dict "a" 9) }}"#,
            "[a b] [1 2] [1 9]"
        ),
        (
            "{{ add 1 2 3 }} {{ sub 5 7 }} {{ mul 2 3 }} {{ div 7 2 }} {{ mod 7 3 }} {{ max 1 5 3 }} {{ min 4 2 }}",
            "6 -2 6 3 1 5 2"
        ),
        (
            "{{ floor 1.7 }} {{ ceil 1.2 }} {{ round 1.2345 2 }} {{ round 2.5 0 }} {{ add .Input.body.x 1 }}",
            "1 2 1.23 3 2"
        ),
        (
            #"{{ add1 .Input.body.n }} {{ int "12" }} {{ int64 2.9 }} {{ float64 "1.5" }} {{ atoi "42" }}"#,
            "4 12 2 1.5 42"
        ),
        (
            "{{ .Input.body.m | toJson }} {{ toJson \"<a>\" }} {{ toRawJson \"<a>\" }}",
            #"{"a":1,"b":2} "\u003ca\u003e" "<a>""#
        ),
        ("{{ .Input.body.m | toPrettyJson }}", "{\n  \"a\": 1,\n  \"b\": 2\n}"),
        (#"{{ (fromJson "{\"a\":[1,2]}").a }} {{ "QWRh" | b64dec }} {{ "Ada" | b64enc }}"#, "[1 2] Ada QWRh"),
        (#"{{ regexMatch "^A.a$" .Input.body.name }} {{ regexMatch "^b" .Input.body.name }}"#, "true false"),
        (#"{{ regexFind "a.b" "xaab acb" }}|{{ regexFind "q" "abc" }}|"#, "aab||"),
        (#"{{ regexFindAll "a." "paranormal" -1 }} {{ regexFindAll "a." "paranormal" 2 }}"#, "[ar an al] [ar an]"),
        (#"{{ regexFindAll "x*" "abc" -1 | len }} {{ regexFindAll "a*" "baaab" -1 | len }}"#, "4 3"),
        (#"{{ regexReplaceAllLiteral "a(x*)b" "-ab-axxb-" "${1}" }}"#, "-${1}-${1}-"),
        (
            #"{{ regexSplit "z+" "pizza" -1 }} {{ regexSplit "z+" "pizza" 1 }} {{ regexSplit "" "abc" -1 }}"#,
            "[pi a] [pizza] [a b c]"
        ),
    ])
    func sprig(source: String, expected: String) throws {
        #expect(try Self.render(source) == expected)
    }

    @Test(arguments: [
        (#"{{ toDate "2006-01-02" "2024-03-05" | date "Jan 2, 2006" }}"#, "Mar 5, 2024"),
        (#"{{ toDate "2006-01-02T15:04:05Z07:00" "2024-03-05T10:04:05.123+02:00" | unixEpoch }}"#, "1709625845"),
        (#"{{ dateInZone "2006-01-02 15:04 MST" 0 "UTC" }}"#, "1970-01-01 00:00 UTC"),
        (#"{{ dateInZone "Monday 3:04PM -07:00" 1700000000 "America/New_York" }}"#, "Tuesday 5:13PM -05:00"),
        (#"{{ dateInZone "15:04 Z07:00" 1700000000 "Nowhere/Unknown" }}"#, "22:13 Z"),
        (
            #"{{ toDate "2006-01-02T15:04:05Z07:00" "2024-03-05T10:04:05.5Z" | date "2006-01-02T15:04:05.000Z07:00" }}"#,
            "2024-03-05T10:04:05.500Z"
        ),
        (#"{{ date "002 06 _2 January Mon 03 pm .999" 1700000000 }}"#, "318 23 14 November Tue 10 pm "),
        (#"{{ toDate "02/01/2006 3:04PM" "29/02/2024 1:30AM" | date "2006-01-02 15:04" }}"#, "2024-02-29 01:30"),
        (#"{{ toDate "2006-01-02" "2023-02-29" | date "2006" }}"#, "0001"),
        (#"{{ toDate "2006-01-02" "nope" | date "2006-01-02" }}"#, "0001-01-01"),
        (#"{{ toDate "2006-01-02 15:04:05.000" "2024-03-05 10:04:05.120" }}"#, "2024-03-05 10:04:05.12 +0000 UTC"),
    ])
    func dates(source: String, expected: String) throws {
        #expect(try Self.render(source) == expected)
    }

    @Test(arguments: [
        ("{{ foo 1 }}", 1, 4, #"function "foo" not defined"#),
        ("a\n  {{ .x | bar }}", 2, 11, #"function "bar" not defined"#),
        ("a\n{{ .x\n", 2, 1, "unclosed action"),
        ("x{{ end }}", 1, 5, "unexpected {{end}}"),
        ("{{ else }}", 1, 4, "unexpected {{else}}"),
        ("{{ if 1 }}x", 1, 4, "unexpected EOF"),
        ("{{ range . }}{{ else }}{{ else }}{{ end }}", 1, 27, "unexpected {{else}}"),
        ("{{ now }}", 1, 4, #"function "now" is not supported"#),
        (#"{{ date "2006" now }}"#, 1, 16, #"function "now" is not supported"#),
        ("{{ uuidv4 }}", 1, 4, #"function "uuidv4" is not supported"#),
        ("{{ $y }}", 1, 4, #"undefined variable "$y""#),
        ("{{ if true }}{{ $z := 1 }}{{ end }}{{ $z }}", 1, 39, #"undefined variable "$z""#),
        (#"{{ define "x" }}{{ end }}"#, 1, 4, "{{define}} is not supported"),
        ("{{ if true }}{{ break }}{{ end }}", 1, 17, "{{break}} outside {{range}}"),
        ("{{ range . }}{{ else }}{{ continue }}{{ end }}", 1, 27, "{{continue}} outside {{range}}"),
        ("{{ .a 1 }}", 1, 4, "can't give argument to non-function"),
        ("{{ (1 }}", 1, 4, "unclosed left paren"),
        ("{{ nil }}", 1, 4, "nil is not a command"),
    ])
    func loadErrors(source: String, line: Int, column: Int, message: String) {
        do {
            _ = try GoTemplate(source)
            Issue.record("\(source) parsed")
        } catch {
            #expect(error.reason.contains(message), "\(error)")
            #expect(error.line == line && error.column == column, "\(error)")
        }
    }

    @Test(arguments: [
        (#"{{ lt 1 "a" }}"#, "error calling lt: incompatible types for comparison"),
        (#"{{ eq 1 "a" }}"#, "error calling eq: incompatible types for comparison"),
        ("{{ eq .Input.body.tags .Input.body.tags }}", "non-comparable type"),
        ("{{ lt nil 1 }}", "invalid type for comparison"),
        ("{{ range .Input.body.name }}{{ end }}", "range can't iterate over Ada"),
        ("{{ index .Input.body.tags 5 }}", "index out of range: 5"),
        ("{{ div 1 0 }}", "integer divide by zero"),
        (#"{{ date "2006" "2024" }}"#, "error calling date: needs a time (from toDate) or unix seconds"),
        ("{{ first .Input.body.name }}", "cannot first on type string"),
        ("{{ .Input.body.name.first }}", "can't evaluate field first in a string"),
        (
            "{{ range .Input.body.tags }}{{ range $.Input.body.tags }}{{ repeat 10000 \"abcdefghij\" }}{{ end }}{{ end }}",
            ""
        ),
    ])
    func executionErrors(source: String, message: String) throws {
        let template = try GoTemplate(source)
        let bytes = Array(Self.input.utf8)
        let input = try JSONCodec.decode(bytes)
        if message.isEmpty {
            #expect(try template.render(input: input).utf8.count == 400_000)
            return
        }
        #expect {
            try template.render(input: input)
        } throws: { error in
            guard let error = error as? TemplateError else { return false }
            return error.reason.contains(message) && error.line == 1
        }
    }

    @Test func outputIsBounded() throws {
        let source =
            "{{ range $.Input.body.tags }}" + String(repeating: "{{ repeat 10000 \"abcdefghij\" }}", count: 60)
            + "{{ end }}"
        #expect(throws: TemplateError.self) { try Self.render(source) }
    }

    @Test func functionTableIsTheDocumentedList() {
        #expect(GoTemplate.functions.contains("regexMatch"))
        #expect(!GoTemplate.functions.contains("now"))
        #expect(GoTemplate.functions == GoTemplate.functions.sorted())
    }
}

import EventModel
import LocalFiles
import SensorTesting
import Testing

@testable import ConfigReader
@testable import SensorEngine
@testable import SensorLanguage
@testable import SensorModel

/// The parameter cases of the semantics reference (section d, PA), from Argo Events' `params_test.go`.
struct ParameterSemanticsTests {
    static let data = json(
        #"{"name":{"first":"fake","last":"user"},"age":100,"countries":["ca","us","mx"],"isActive":false,"nullable_key":null}"#
    )
    static let events = ["dep": makeEvent(data: data, subject: "example-1")]

    static func parameter(
        dataKey: String? = nil, contextKey: String? = nil, dataTemplate: String? = nil, contextTemplate: String? = nil,
        value: String? = nil, useRawData: Bool = false, dependency: String = "dep", dest: String = "x",
        operation: TriggerParameter.Operation = .overwrite
    ) throws -> TriggerParameter {
        TriggerParameter(
            source: ParameterSource(
                dependencyName: dependency, contextKey: try contextKey.map { try GJSONPath($0) },
                contextTemplate: try contextTemplate.map { try GoTemplate($0) },
                dataKey: try dataKey.map { try GJSONPath($0) },
                dataTemplate: try dataTemplate.map { try GoTemplate($0) }, value: value, useRawData: useRawData),
            destination: dest, operation: operation, location: SourceLocation(file: "test", line: 1, column: 1))
    }

    /// One parameter resolved against the reference's event: what `src` gives.
    struct Resolution: CustomTestStringConvertible, Sendable {
        let number: String
        var dataKey: String?
        var contextKey: String?
        var dataTemplate: String?
        var contextTemplate: String?
        var value: String?
        var useRawData = false
        var dependency = "dep"
        /// Case 46: the event's data is YAML (`application/yaml`) instead of the JSON document.
        var yamlData = false
        let expected: ParameterValue?

        var testDescription: String {
            let source = [
                dataKey.map { "dataKey \($0)" }, contextKey.map { "contextKey \($0)" },
                dataTemplate.map { "dataTemplate \($0)" }, contextTemplate.map { "contextTemplate \($0)" },
                value.map { "value \($0)" }, useRawData ? "useRawData" : nil,
                dependency == "dep" ? nil : "dependencyName \(dependency) (absent)",
            ].compactMap { $0 }
            return "case \(number): " + source.joined(separator: ", ")
        }
    }

    static let resolutions: [Resolution] = [
        Resolution(number: "39", dataKey: "name.first", expected: .text("fake")),
        Resolution(number: "39", contextKey: "subject", expected: .text("example-1")),
        Resolution(number: "39", dataKey: "name.first", contextKey: "subject", expected: .text("fake")),
        Resolution(number: "39", value: "hello", expected: .text("hello")),
        Resolution(number: "40", dataTemplate: "{{ upper .Input.name.first }}", expected: .text("FAKE")),
        Resolution(
            number: "40", contextTemplate: #"{{ .Input.subject | replace "-" "_" }}"#, expected: .text("example_1")),
        Resolution(
            number: "40", dataKey: "name.first", dataTemplate: "{{ .Input.name.non_exist }}", expected: .text("fake")),
        Resolution(
            number: "41", dataKey: "name", useRawData: true, expected: .raw(json(#"{"first":"fake","last":"user"}"#))),
        Resolution(number: "41", dataKey: "countries", useRawData: true, expected: .raw(json(#"["ca","us","mx"]"#))),
        Resolution(number: "45", dataKey: "missing", value: "faker", expected: .text("faker")),
        // Control flow and comparisons; an execution error falls back to the key as any template failure does.
        Resolution(
            number: "40",
            dataTemplate:
                "{{ if .Input.isActive }}on{{ else }}{{ range .Input.countries }}{{ upper . }};{{ end }}{{ end }}",
            expected: .text("CA;US;MX;")),
        Resolution(
            number: "40", dataTemplate: "{{ if ge .Input.age 18 }}adult{{ else }}minor{{ end }}",
            expected: .text("adult")),
        Resolution(
            number: "40", dataKey: "name.first", dataTemplate: #"{{ lt .Input.age "a" }}"#, expected: .text("fake")),
        Resolution(
            number: "46", dataTemplate: "{{ toJson .Input }}", yamlData: true,
            expected: .text(#"{"age":20,"name":"test"}"#)),
        Resolution(number: "46", dataKey: "age", useRawData: true, yamlData: true, expected: .raw(.int(20))),
        // Issues #1366/#1458: under `||` an absent dependency's parameter takes its value, or is skipped.
        Resolution(
            number: "#1366", dataKey: "name.first", value: "default", dependency: "other", expected: .text("default")),
        Resolution(number: "#1366", dataKey: "name.first", dependency: "other", expected: nil),
    ]

    /// Cases 39, 40, 41, 45 and 46: data key, context key, both (data wins), a value, templates (and the fall back
    /// from a template that prints `<no value>` to the key), raw data, a missing key's default, YAML data.
    @Test(arguments: resolutions)
    func resolution(_ testCase: Resolution) throws {
        let events =
            testCase.yamlData
            ? ["dep": makeEvent(data: .string("name: test\nage: 20"), contentType: "application/yaml")] : Self.events
        let parameter = try Self.parameter(
            dataKey: testCase.dataKey, contextKey: testCase.contextKey, dataTemplate: testCase.dataTemplate,
            contextTemplate: testCase.contextTemplate, value: testCase.value, useRawData: testCase.useRawData,
            dependency: testCase.dependency)
        #expect(try parameter.resolve(events: events) == testCase.expected)
    }

    /// Case 39, last part: only the dependency gives the whole event (context and base64 data) as JSON text.
    @Test func wholeEvent() throws {
        guard case .text(let whole)? = try Self.parameter().resolve(events: Self.events) else {
            Issue.record("expected the whole event as text")
            return
        }
        let decoded = json(whole)
        #expect(decoded["context"]?["subject"] == "example-1")
        #expect(decoded["context"]?["source"] == "webhook-gateway")
        let encodedData = decoded["data"]?.stringValue.flatMap(Base64.decode).map {
            String(decoding: $0, as: UTF8.self)
        }
        #expect(encodedData.map(json) == Self.data)
    }

    /// A template that does not parse is a load error at its field, naming the line and column inside the template.
    /// Case 40's `{{ no }}`, a runtime fallback in Argo Events, is a load error here (a documented difference).
    @Test(arguments: [
        ("{{ no }}", "function \"no\" not defined"),
        ("{{ if .Input.x }}yes", "1:4: unexpected EOF"), ("{{ .Input.x", "1:1: unclosed action"),
        ("{{ end }}", "1:4: unexpected {{end}}"), ("{{ uuidv4 }}", "function \"uuidv4\" is not supported"),
    ])
    func templateSyntaxErrorsAreLocated(template: String, message: String) {
        let text = """
            apiVersion: argoproj.io/v1alpha1
            kind: Sensor
            metadata: {name: s}
            spec:
              dependencies: [{name: dep, eventSourceName: a, eventName: b}]
              triggers:
                - template:
                    name: t
                    http:
                      url: http://example
                      payload:
                        - src: {dependencyName: dep, dataTemplate: '\(template)'}
                          dest: x
            """
        let (sensor, findings) = loadSensor(text)
        #expect(sensor == nil)
        #expect(findings.contains { $0.description.hasPrefix("test.yaml:12:") && $0.message.contains(message) })
    }

    /// Parameters applied in order to a document: what the trigger's resource becomes.
    struct Application: CustomTestStringConvertible, Sendable {
        let number: String
        let what: String
        let document: String
        let parameters: [TriggerParameter]
        let expected: String

        var testDescription: String { "case \(number): \(what)" }
    }

    static let applications: [Application] = {
        do {
            return [
                Application(
                    number: "42", what: "overwrite", document: #"{"name":"faker"}"#,
                    parameters: [try Self.parameter(value: "fake", dest: "name")], expected: #"{"name":"fake"}"#),
                Application(
                    number: "42", what: "prepend", document: #"{"name":"faker"}"#,
                    parameters: [try Self.parameter(value: "fake", dest: "name", operation: .prepend)],
                    expected: #"{"name":"fakefaker"}"#),
                Application(
                    number: "42", what: "append", document: #"{"name":"faker"}"#,
                    parameters: [try Self.parameter(value: "fake", dest: "name", operation: .append)],
                    expected: #"{"name":"fakerfake"}"#),
                Application(
                    number: "43", what: "an object without useRawData is escaped JSON text", document: "{}",
                    parameters: [try Self.parameter(dataKey: "name", dest: "name")],
                    expected: #"{"name":"{\"first\":\"fake\",\"last\":\"user\"}"}"#),
                Application(
                    number: "43", what: "an object with useRawData is the object", document: "{}",
                    parameters: [try Self.parameter(dataKey: "name", useRawData: true, dest: "name")],
                    expected: #"{"name":{"first":"fake","last":"user"}}"#),
                Application(
                    number: "44",
                    what: "raw overwrite keeps the number, append to a value makes text, append to nothing sets it",
                    document: #"{"age":"x","ageWithYears":"Years: "}"#,
                    parameters: [
                        try Self.parameter(dataKey: "age", useRawData: true, dest: "age"),
                        try Self.parameter(
                            dataKey: "age", useRawData: true, dest: "ageWithYears", operation: .append),
                        try Self.parameter(
                            dataKey: "countries", useRawData: true, dest: "countries", operation: .append),
                    ],
                    expected: #"{"age":100,"ageWithYears":"Years: 100","countries":["ca","us","mx"]}"#),
                Application(
                    number: "#1366", what: "an absent dependency without a value leaves the document",
                    document: #"{"x":"kept"}"#,
                    parameters: [try Self.parameter(dataKey: "name.first", dependency: "other", dest: "x")],
                    expected: #"{"x":"kept"}"#),
            ]
        } catch {
            preconditionFailure("bad test parameter: \(error)")
        }
    }()

    /// Cases 42, 43 and 44: overwrite, prepend and append; objects as text or raw; raw values.
    @Test(arguments: applications)
    func application(_ testCase: Application) throws {
        var document = json(testCase.document)
        try testCase.parameters.apply(events: Self.events, to: &document)
        #expect(document == json(testCase.expected))
    }

    /// Case 45: a payload with and without useRawData, a missing key with a default, and null.
    @Test func constructPayload() throws {
        let raw = try Trigger.payload(
            [
                Self.parameter(dataKey: "age", useRawData: true, dest: "age"),
                Self.parameter(dataKey: "isActive", useRawData: true, dest: "isActive"),
                Self.parameter(dataKey: "nullable_key", useRawData: true, dest: "nullable_key"),
            ],
            events: Self.events)
        #expect(raw == .json(json(#"{"age":100,"isActive":false,"nullable_key":null}"#)))
        let text = try Trigger.payload(
            [
                Self.parameter(dataKey: "age", dest: "age"), Self.parameter(dataKey: "isActive", dest: "isActive"),
                Self.parameter(dataKey: "missing", value: "faker", dest: "name"),
            ],
            events: Self.events)
        #expect(text == .json(json(#"{"age":"100","isActive":"false","name":"faker"}"#)))
    }

    /// Nothing resolves: an error naming the dependency.
    @Test func unresolvable() throws {
        #expect(throws: ParameterError.self) { try Self.parameter(dataKey: "missing").resolve(events: Self.events) }
    }

    /// sjson destinations: array indexes, `-1` to append, escaped dots.
    @Test func destinations() throws {
        var document = json(#"{"spec":{"arguments":{"parameters":[{"name":"message","value":"hello"}]}}}"#)
        try [
            Self.parameter(value: "from event", dest: "spec.arguments.parameters.0.value"),
            Self.parameter(value: "new", dest: "spec.list.-1"),
            Self.parameter(value: "dotted", dest: #"metadata.labels.app\.kubernetes\.io/name"#),
        ].apply(events: Self.events, to: &document)
        #expect(document["spec"]?["arguments"]?["parameters"]?.arrayValue?.first?["value"] == "from event")
        #expect(document["spec"]?["list"] == ["new"])
        #expect(document["metadata"]?["labels"]?["app.kubernetes.io/name"] == "dotted")
    }
}

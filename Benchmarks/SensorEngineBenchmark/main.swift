import ConfigReader
import EventModel
import RegexEngine
import SensorEngine
import SensorLanguage
import SensorModel

// Filter evaluations per second on one core: 10 sensors × 30 filters against a realistic webhook event.
// Run with `swift run -c release SensorEngineBenchmark`; the figures go in docs/performance.md.

let eventJSON = """
    {"header":{"Content-Type":["application/json"],"User-Agent":["GitHub-Hookshot/1"],"X-Request-Id":["8d1f2c"]},
     "body":{"action":"completed","repository":{"name":"churn-model","full_name":"ml/churn-model","private":true,
       "owner":{"login":"ml","id":4242}},"ref":"refs/heads/main","after":"9fceb02d0ae598e95dc970b74767f19372d61af8",
       "model":{"name":"Churn-XGB","framework":"pytorch","epochs":12,"stage":"staging",
         "metrics":{"accuracy":0.93,"auc":0.97,"f1":0.88,"loss":0.21},"tags":["churn","xgb","q4"]},
       "dataset":{"rows":1250000,"uri":"s3://data/churn/2026q4.parquet","validated":true},
       "commits":[{"id":"a1","author":{"name":"Ada"},"added":["train.py"]},{"id":"b2","author":{"name":"Grace"},"added":[]}]},
     "metadata":{"source":"github","region":"eu-west-1"}}
    """

let data: EventValue
do {
    data = try JSONCodec.decode(Array(eventJSON.utf8))
} catch {
    fatalError("benchmark event does not decode: \(error)")
}
let event = Event(
    id: "bench-1", source: "github", type: "webhook", subject: "push",
    time: EventTimestamp(rfc3339: "2026-11-21T14:05:00Z"),
    dataContentType: "application/json", data: data)

/// Thirty-two filters of the kinds sensors use: numbers, booleans, regexes, literal strings, exprs, context.
func sensorYAML(_ index: Int) -> String {
    var filters = ""
    for offset in 0..<10 {
        let string =
            offset % 2 == 0
            ? "{path: body.ref, type: string, value: [\"^refs/heads/(main|release-\(offset))$\"]}"
            : "{path: body.model.stage, type: string, value: [staging]}"
        filters += """
                      - {path: body.model.metrics.accuracy, type: number, comparator: ">=", value: ["0.\(8 + offset % 2)"]}
                      - {path: body.dataset.validated, type: bool, value: ["true"]}
                      - \(string)

            """
    }
    return """
        apiVersion: argoproj.io/v1alpha1
        kind: Sensor
        metadata: {name: bench-\(index)}
        spec:
          dependencies:
            - name: push
              eventSourceName: github
              eventName: push
              filters:
                context: {type: webhook, source: github}
                exprs:
                  - expr: epochs > 1 && framework == "pytorch"
                    fields: [{name: epochs, path: body.model.epochs}, {name: framework, path: body.model.framework}]
                data:
        \(filters)
          triggers:
            - template: {name: log, log: {}}
        """
}

var sensors: [Sensor] = []
for index in 0..<10 {
    let catalog = SensorLoader.load(text: sensorYAML(index), file: "bench-\(index).yaml")
    guard let sensor = catalog.sensors.first else { fatalError("benchmark sensor invalid: \(catalog.findings)") }
    sensors.append(sensor)
}

func measure(_ label: String, evaluations: Int, unit: String, _ body: () -> Int) {
    let clock = ContinuousClock()
    var sink = 0
    let elapsed = clock.measure { sink = body() }
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let rate = Double(evaluations) / seconds
    let milliseconds = Int((seconds * 1000).rounded())
    print("\(label): \(Int(rate)) \(unit)/s (\(evaluations) in \(milliseconds) ms, check \(sink))")
}

guard let filters = sensors[0].dependencies[0].filters, let dataFilters = filters.data else { fatalError("no filters") }
let numberFilter = dataFilters[0]
let boolFilter = dataFilters[1]
let regexFilter = dataFilters[2]
let literalFilter = dataFilters[5]

let iterations = 2_000_000
measure("number data filter", evaluations: iterations, unit: "evaluations") {
    var passed = 0
    for _ in 0..<iterations where numberFilter.passes(data) { passed += 1 }
    return passed
}
measure("bool data filter", evaluations: iterations, unit: "evaluations") {
    var passed = 0
    for _ in 0..<iterations where boolFilter.passes(data) { passed += 1 }
    return passed
}
let regexIterations = 200_000
measure("regex data filter", evaluations: regexIterations, unit: "evaluations") {
    var passed = 0
    for _ in 0..<regexIterations where regexFilter.passes(data) { passed += 1 }
    return passed
}
/// The same pattern twice: literals joined by `.*`, which TextPattern matches without the regex engine, and with a
/// group added, which sends it through RE2.
func stringFilter(_ pattern: String) -> DataFilter {
    let yaml = """
        apiVersion: argoproj.io/v1alpha1
        kind: Sensor
        metadata: {name: pattern}
        spec:
          dependencies:
            - {name: push, eventSourceName: github, eventName: push,
               filters: {data: [{path: body.ref, type: string, value: ["\(pattern)"]}]}}
          triggers:
            - template: {name: log, log: {}}
        """
    guard
        let filter = SensorLoader.load(text: yaml, file: "pattern.yaml").sensors.first?.dependencies.first?.filters?
            .data?.first
    else { fatalError("benchmark pattern sensor invalid") }
    return filter
}
for (label, pattern) in [
    ("`.*` string data filter, no regex engine", "^refs/.*/main$"),
    ("the same with a group, through the regex engine", "^refs/(.*)/main$"),
] {
    let filter = stringFilter(pattern)
    measure("\(label) (\(pattern))", evaluations: regexIterations, unit: "evaluations") {
        var passed = 0
        for _ in 0..<regexIterations where filter.passes(data) { passed += 1 }
        return passed
    }
}
/// One regex evaluation per call, without a filter around it: patterns TextPattern matches by byte search (an
/// anchored literal, an unanchored one, literals joined by `.*`), each through that fast path and through RE2, and a
/// pattern a backtracking engine takes exponential time on, through RE2.
do {
    let ref = "refs/heads/main"
    for (pattern, text) in [
        ("^refs/heads/main$", ref), ("2026q4", "s3://data/churn/2026q4.parquet"), ("^refs/.*/main$", ref),
    ] {
        for (engine, matcher) in [
            ("literal fast path (TextPattern)", try TextPattern(pattern).matches),
            ("RE2 (RE2Regex)", try RE2Regex(pattern).matches),
        ] as [(String, (String) -> Bool)] {
            measure("regex per call, \(engine), \(pattern)", evaluations: iterations, unit: "matches") {
                var matched = 0
                for _ in 0..<iterations where matcher(text) { matched += 1 }
                return matched
            }
        }
    }
    let nested = try RE2Regex("^(a+)+$")
    let text = String(repeating: "a", count: 40) + "!"
    measure("regex per call, RE2 (RE2Regex), ^(a+)+$ on 40 a's and !", evaluations: iterations, unit: "matches") {
        var matched = 0
        for _ in 0..<iterations where nested.matches(text) { matched += 1 }
        return matched
    }
} catch {
    fatalError("benchmark pattern does not compile: \(error)")
}
measure("literal string data filter", evaluations: iterations, unit: "evaluations") {
    var passed = 0
    for _ in 0..<iterations where literalFilter.passes(data) { passed += 1 }
    return passed
}
let eventIterations = 2_000
let filtersPerEvent = sensors.reduce(0) { total, sensor in
    total + sensor.dependencies.reduce(0) { $0 + ($1.filters?.data?.count ?? 0) + ($1.filters?.exprs?.count ?? 0) + 1 }
}
measure(
    "10 sensors x \(filtersPerEvent / 10) filters, whole event", evaluations: eventIterations * filtersPerEvent,
    unit: "filter evaluations"
) {
    var passed = 0
    for _ in 0..<eventIterations {
        for sensor in sensors {
            for dependency in sensor.dependencies where dependency.accepts(event) {
                if dependency.filters?.evaluate(
                    event, operation: dependency.filtersLogicalOperator, recordChecks: false
                ).passed ?? true {
                    passed += 1
                }
            }
        }
    }
    return passed
}

/// One dependency with a Lua script filter or a jq or Lua transform, on the benchmark event.
func programDependency(_ fields: String) -> Dependency {
    let yaml = """
        apiVersion: argoproj.io/v1alpha1
        kind: Sensor
        metadata: {name: program}
        spec:
          dependencies:
            - {name: push, eventSourceName: github, eventName: push, \(fields)}
          triggers:
            - template: {name: log, log: {}}
        """
    guard let dependency = SensorLoader.load(text: yaml, file: "program.yaml").sensors.first?.dependencies.first else {
        fatalError("benchmark program sensor invalid")
    }
    return dependency
}
let programIterations = 5_000
for (label, fields) in [
    (
        "Lua script filter (fresh state per evaluation)",
        #"filters: {script: "return event.body.model.metrics.accuracy > 0.9 and event.body.ref == 'refs/heads/main'"}"#
    ),
    ("jq transform", #"transform: {jq: ".body.model.metrics.accuracy *= 100"}"#),
    ("Lua transform", #"transform: {script: "event.body.model.metrics.accuracy = 93 return event"}"#),
] {
    let dependency = programDependency(fields)
    measure(label, evaluations: programIterations, unit: "evaluations") {
        var passed = 0
        for _ in 0..<programIterations where dependency.screen(event, recordChecks: false).verdict.passed {
            passed += 1
        }
        return passed
    }
}

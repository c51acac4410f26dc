import EventModel
import LocalFiles
import SensorTesting
import Testing

@testable import ConfigReader
@testable import SensorEngine
@testable import SensorLanguage
@testable import SensorModel

/// Loading and validation: every finding is `path:line:col: error|warning: message` and names what is wrong.
struct ValidationTests {
    static let header = "apiVersion: argoproj.io/v1alpha1\nkind: Sensor\nmetadata: {name: s}\nspec:\n"

    /// Each invalid sensor yields an error at the given line and column whose message contains the given text.
    @Test(arguments: [
        (
            "  dependencies:\n    - {name: a, eventSourceName: x, eventName: y}\n    - {name: a, eventSourceName: x, eventName: z}\n  triggers:\n    - template: {name: t, log: {}}\n",
            7, 7, "duplicate dependency name 'a'"
        ),
        (
            "  dependencies:\n    - {name: a, eventSourceName: x, eventName: y}\n  triggers:\n    - template: {name: t, log: {}}\n    - template: {name: t, log: {}}\n",
            9, 7, "duplicate trigger name 't'"
        ),
        (
            "  dependencies:\n    - {name: a, eventSourceName: x, eventName: y}\n  triggers:\n    - template: {name: t, conditions: \"a && b\", log: {}}\n",
            8, 39, "names 'b', which is not a dependency"
        ),
        (
            "  dependencies:\n    - {name: a, eventSourceName: x, eventName: y}\n  triggers:\n    - template: {name: t, conditions: \"a &&\", log: {}}\n",
            8, 39, "bad expression 'a &&'"
        ),
        (
            "  dependencies:\n    - {name: a, eventSourceName: x, eventName: y}\n  triggers:\n    - template: {name: t}\n",
            8, 17, "has no trigger of a known kind"
        ),
        (
            "  dependencies:\n    - {name: a, eventSourceName: x, eventName: y}\n  triggers:\n    - template: {name: t, slack: {channel: c}}\n",
            8, 27, "not supported: spec.triggers[0].template.slack"
        ),
        (
            "  dependencies:\n    - {name: a, eventSourceName: x, eventName: y}\n  triggers:\n    - template: {name: t, log: {}, http: {url: u}}\n",
            8, 17, "more than one trigger kind"
        ),
        (
            "  dependencies:\n    - {name: a, eventSourceName: x, eventName: y}\n  triggers:\n    - template:\n        name: t\n        http:\n          url: http://h\n          payload:\n            - src: {dependencyName: nope, dataKey: k}\n              dest: d\n",
            13, 37, "dependencyName 'nope' is not a dependency"
        ),
        (
            "  dependencies:\n    - {name: a, eventSourceName: x, eventName: y}\n  triggers:\n    - template:\n        name: t\n        conditionsReset: [{byTime: {cron: \"61 * * * *\"}}]\n        log: {}\n",
            10, 43, "minute '61'"
        ),
        (
            "  dependencies:\n    - {name: a, eventSourceName: x, eventName: y}\n  triggers:\n    - template:\n        name: t\n        conditionsReset: [{byTime: {cron: \"0 0 * * *\", timezone: Mars/Base}}]\n        log: {}\n",
            10, 66, "invalid timezone 'Mars/Base'"
        ),
        (
            "  dependencies:\n    - {name: a, eventSourceName: x, eventName: y, transform: {jq: \".a +* 1\"}}\n  triggers:\n    - template: {name: t, log: {}}\n",
            6, 67, "spec.dependencies[0].transform.jq: jq: error: syntax error"
        ),
        (
            "  dependencies:\n    - {name: a, eventSourceName: x.y, eventName: y}\n  triggers:\n    - template: {name: t, log: {}}\n",
            6, 34, "cannot be a NATS subject token"
        ),
        (
            "  dependencies:\n    - {name: a, eventSourceName: x, eventName: y}\n  triggers:\n    - template: {name: t, log: {}}\n  frobnicate: true\n",
            9, 3, "not supported: spec.frobnicate"
        ),
        (
            "  dependencies:\n    - {name: a, eventSourceName: x, eventNme: y}\n  triggers:\n    - template: {name: t, log: {}}\n",
            6, 37, "unknown key spec.dependencies[0].eventNme (did you mean 'eventName'?)"
        ),
        (
            "  dependencies:\n    - {name: a, eventSourceName: x, eventName: y}\n  triggers:\n    - template: {name: t, log: {}}\n      retryStrategy: {duration: 1h30m, setps: 3}\n",
            9, 40, "unknown key spec.triggers[0].retryStrategy.setps (did you mean 'steps'?)"
        ),
        (
            "  dependencies: []\n  triggers:\n    - template: {name: t, log: {}}\n",
            5, 3, "must list at least one dependency"
        ),
        (
            "  dependencies:\n    - {name: a, eventSourceName: x, eventName: y, filtersLogicalOperator: AND}\n  triggers:\n    - template: {name: t, log: {}}\n",
            6, 75, "must be 'and' or 'or' (lower case)"
        ),
        (
            "  dependencies:\n    - {name: a, eventSourceName: x, eventName: y}\n  triggers:\n    - template:\n        name: t\n        argoWorkflow:\n          operation: submit\n          source: {resource: {apiVersion: v1, kind: Workflow, metadata: {generateName: w-}}}\n          parameters:\n            - src: {dependencyName: a, dataKey: x}\n              dest: spec.*.value\n",
            15, 21, "not supported in a destination: '*'"
        ),
        (
            "  dependencies:\n    - {name: a, eventSourceName: x, eventName: y}\n  triggers:\n    - template:\n        name: t\n        argoWorkflow:\n          operation: resume\n          source: {resource: {apiVersion: argoproj.io/v1alpha1, kind: Workflow, metadata: {generateName: w-}}}\n",
            12, 19, "operation resume needs metadata.name"
        ),
        // Regular expressions RE2 (and Go) refuse: a look-ahead in a data filter, a backreference after `=~`.
        (
            "  dependencies:\n    - name: a\n      eventSourceName: x\n      eventName: y\n      filters:\n        data:\n          - {path: k, type: string, value: [\"(?=x)\"]}\n  triggers:\n    - template: {name: t, log: {}}\n",
            11, 45,
            "spec.dependencies[0].filters.data[0].value[0] is not a valid regular expression: '(?=x)': invalid perl operator: (?="
        ),
        (
            "  dependencies:\n    - name: a\n      eventSourceName: x\n      eventName: y\n      filters:\n        exprs:\n          - {expr: 'b =~ \"(a)\\\\1\"', fields: [{name: b, path: k}]}\n  triggers:\n    - template: {name: t, log: {}}\n",
            11, 20,
            "spec.dependencies[0].filters.exprs[0].expr: '(a)\\1' is not a valid regular expression: invalid escape sequence: \\1"
        ),
    ])
    func invalidSensor(body: String, line: Int, column: Int, message: String) {
        let (sensor, findings) = loadSensor(Self.header + body)
        #expect(sensor == nil)
        let errors = findings.filter { $0.severity == .error }
        let match = errors.first { $0.message.contains(message) }
        #expect(match != nil, "no error containing \"\(message)\" in \(findings.map(\.description))")
        if let match {
            #expect(match.description == "test.yaml:\(line):\(column): error: \(match.message)")
        }
    }

    /// Case 50: a time filter with start == stop and an empty context filter are errors; two dependencies on the
    /// same (source, event) are fine on JetStream.
    @Test func argoEventsValidationCases() {
        #expect(loadSensor(sensorText(filters: #"{"time": {"start": "10:00:00", "stop": "10:00:00"}}"#)).0 == nil)
        #expect(loadSensor(sensorText(filters: #"{"context": {}}"#)).0 == nil)
        let duplicate =
            Self.header + """
                  dependencies:
                    - {name: a, eventSourceName: x, eventName: y}
                    - {name: b, eventSourceName: x, eventName: y}
                  triggers:
                    - template: {name: t, log: {}}
                """
        let (sensor, findings) = loadSensor(duplicate)
        #expect(sensor != nil, "\(findings)")
    }

    /// Trigger options the Triggers module executes are decoded with Argo Events' defaults.
    @Test func triggerOptions() throws {
        let text =
            Self.header + """
                  dependencies: [{name: "a b", eventSourceName: x, eventName: y}]
                  triggers:
                    - template: {name: t, http: {url: "http://h", method: get, timeout: 5}}
                      retryStrategy: {duration: 500ms, factor: 2, jitter: 0.1, steps: 4}
                      rateLimit: {unit: Minute, requestsPerUnit: 30}
                      policy: {status: {allow: [200, 201]}}
                      atLeastOnce: true
                    - template: {name: u, log: {}}
                      retryStrategy: {}
                """
        let (sensor, findings) = loadSensor(text)
        let loaded = try #require(sensor, "\(findings)")
        #expect(
            findings.map(\.description) == [
                "test.yaml:5:25: warning: spec.dependencies[0].name 'a b' cannot be written in conditions (letters, digits, '-', '_' and '.' only)"
            ])
        let first = loaded.triggers[0]
        #expect(first.retryStrategy == RetryStrategy(durationSeconds: 0.5, factor: 2, jitter: 0.1, steps: 4))
        #expect(first.rateLimit == RateLimit(unit: .minute, requestsPerUnit: 30))
        #expect(first.allowedStatuses == [200, 201])
        #expect(first.atLeastOnce)
        guard case .http(let http) = first.kind else {
            Issue.record("expected an http trigger")
            return
        }
        #expect(http.method == "GET")
        #expect(http.timeoutSeconds == 5)
        #expect(loaded.triggers[1].retryStrategy == RetryStrategy(durationSeconds: 1, factor: 1, jitter: 1, steps: 5))
        #expect(loaded.triggers[1].atLeastOnce == false)
    }

    static let body =
        "spec:\n  dependencies: [{name: a, eventSourceName: x, eventName: y}]\n  triggers: [{template: {name: t, log: {}}}]\n"

    /// A Sensor as `kubectl get sensor -o yaml` exports it: labels, annotations and the keys the API server sets
    /// load without a finding; lifecycle keys Kubernetes acts on are warnings.
    @Test func exportedMetadata() throws {
        let text = """
            apiVersion: argoproj.io/v1alpha1
            kind: Sensor
            metadata:
              name: exported
              namespace: argo-events
              generateName: exported-
              labels: {app.kubernetes.io/name: exported, empty: }
              annotations:
                kubectl.kubernetes.io/last-applied-configuration: '{"kind":"Sensor"}'
              uid: 5f0c1a9e-3d51-4bd6-9a43-59e2d1c0a7b1
              resourceVersion: "48213"
              generation: 3
              creationTimestamp: "2026-01-05T10:00:00Z"
              managedFields: [{manager: kubectl, operation: Apply}]
              finalizers: [example.com/cleanup]
            status: {phase: Active}

            """ + Self.body
        let (sensor, findings) = loadSensor(text)
        let loaded = try #require(sensor, "\(findings)")
        #expect(loaded.name == "exported")
        #expect(loaded.namespace == "argo-events")
        #expect(
            findings.map(\.description) == [
                "test.yaml:15:15: warning: ignored: metadata.finalizers (no deletion hooks: sensor-gateway reads sensors from files)"
            ])
    }

    /// Unknown metadata keys are located errors, like any other field; a name only the API server would complete
    /// is an error that says so.
    @Test(arguments: [
        ("metadata:\n  name: s\n  lables: {app: x}\n", 5, 3, "unknown key metadata.lables (did you mean 'labels'?)"),
        ("metadata:\n  name: s\n  clusterName: c\n", 5, 3, "not supported: metadata.clusterName"),
        (
            "metadata:\n  generateName: s-\n", 4, 17,
            "metadata.name is required (the Kubernetes API server completes generateName 's-'"
        ),
        ("metadata:\n  name: s\n  labels: [app]\n", 5, 11, "metadata.labels must be a mapping"),
        (
            "metadata:\n  name: s\n  annotations: {note: {nested: x}}\n", 5, 23,
            "metadata.annotations.note must be a string"
        ),
        ("metadata: [s]\n", 3, 11, "expected a mapping at metadata"),
    ])
    func invalidMetadata(metadata: String, line: Int, column: Int, message: String) {
        let (sensor, findings) = loadSensor("apiVersion: argoproj.io/v1alpha1\nkind: Sensor\n" + metadata + Self.body)
        #expect(sensor == nil)
        let match = findings.first { $0.severity == .error && $0.message.hasPrefix(message) }
        #expect(match != nil, "no error starting \"\(message)\" in \(findings.map(\.description))")
        if let match {
            #expect(match.description == "test.yaml:\(line):\(column): error: \(match.message)")
        }
    }

    /// Several documents per file; other kinds are skipped with a warning.
    @Test func multiDocument() {
        let text = """
            apiVersion: argoproj.io/v1alpha1
            kind: Sensor
            metadata: {name: one}
            spec:
              dependencies: [{name: a, eventSourceName: x, eventName: y}]
              triggers: [{template: {name: t, log: {}}}]
            ---
            apiVersion: argoproj.io/v1alpha1
            kind: WorkflowTemplate
            metadata: {name: wt}
            ---
            apiVersion: argoproj.io/v1alpha1
            kind: Sensor
            metadata: {name: two}
            spec:
              dependencies: [{name: a, eventSourceName: x, eventName: y, subject: custom.subject}]
              triggers: [{template: {name: t, log: {}}}]
            """
        let catalog = SensorLoader.load(text: text, file: "multi.yaml")
        #expect(catalog.sensors.map(\.name) == ["one", "two"])
        #expect(catalog.isValid)
        #expect(
            catalog.findings.map(\.description) == [
                "multi.yaml:8:1: warning: skipped: kind 'WorkflowTemplate', not a Sensor"
            ])
        #expect(catalog.sensors[0].dependencies[0].subject(prefix: "events") == "events.x.y")
        #expect(catalog.sensors[1].dependencies[0].subject(prefix: "events") == "custom.subject")
    }

    /// YAML syntax errors are findings with libyaml's location.
    @Test func yamlSyntaxError() {
        let catalog = SensorLoader.load(text: "spec:\n  a: [1, 2\n", file: "broken.yaml")
        #expect(!catalog.isValid)
        #expect(catalog.findings.first?.description.hasPrefix("broken.yaml:") == true)
        #expect(catalog.findings.first?.message.hasPrefix("invalid YAML") == true)
    }

    /// Each invalid document is a rejected entry with its file, name and error findings; the valid one beside it
    /// loads; a duplicate name is rejected too; a YAML syntax error rejects its file, without a name; a skipped
    /// document of another kind is not rejected.
    @Test func rejectedDocuments() {
        let valid =
            "  dependencies: [{name: a, eventSourceName: x, eventName: y}]\n  triggers: [{template: {name: t, log: {}}}]\n"
        let text =
            Self.header.replacingOccurrences(of: "{name: s}", with: "{name: bad, namespace: ns}")
            + "  dependencies: []\n  triggers: []\n---\n" + Self.header + valid + "---\n" + Self.header + valid
            + "---\nkind: ConfigMap\nmetadata: {name: other}\n"
        var catalog = SensorLoader.load(text: text, file: "mixed.yaml")
        catalog.merge(SensorLoader.load(text: "spec:\n  a: [1, 2\n", file: "broken.yaml"))
        catalog.finish()
        #expect(catalog.sensors.map(\.name) == ["s"])
        #expect(catalog.rejected.map(\.file) == ["mixed.yaml", "broken.yaml", "mixed.yaml"])
        #expect(catalog.rejected.map(\.name) == ["bad", nil, "s"])
        #expect(catalog.rejected.first?.namespace == "ns")
        #expect(
            catalog.rejected.first?.findings.map(\.description) == [
                "mixed.yaml:5:3: error: spec.dependencies must list at least one dependency",
                "mixed.yaml:5:3: error: spec.triggers must list at least one trigger",
            ])
        #expect(catalog.rejected.last?.findings.first?.message.hasPrefix("duplicate sensor name 's'") == true)
    }

    /// The report `validate` prints.
    @Test func report() {
        let catalog = SensorLoader.load(text: Self.header + "  dependencies: []\n  triggers: []\n", file: "bad.yaml")
        let report = ValidationReport(catalog: catalog).render(includeWarnings: true)
        #expect(
            report == """
                bad.yaml:5:3: error: spec.dependencies must list at least one dependency
                bad.yaml:5:3: error: spec.triggers must list at least one trigger
                0 valid sensors in 1 file; 2 errors, 0 warnings

                """)
    }

    /// A file that does not exist is an error, not a crash.
    @Test func missingFile() {
        let catalog = SensorFiles.load(paths: ["/nonexistent/sensor.yaml"])
        #expect(
            catalog.findings.map(\.description) == ["/nonexistent/sensor.yaml:1:1: error: no such file or directory"])
    }
}

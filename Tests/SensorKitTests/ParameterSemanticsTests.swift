import EventModel
import Testing

@testable import SensorKit

/// The parameter cases of the semantics reference (section d, PA), from Argo Events' `params_test.go`.
struct ParameterSemanticsTests {
    static let data = json(
        #"{"name":{"first":"fake","last":"user"},"age":100,"countries":["ca","us","mx"],"isActive":false,"nullable_key":null}"#
    )
    static let events = ["dep": makeEvent(data: data, subject: "example-1")]

    func parameter(
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

    /// Case 39: data key, context key, both (data wins), only the dependency (the whole event), only a value.
    @Test func keysAndDefaults() throws {
        #expect(try parameter(dataKey: "name.first").resolve(events: Self.events) == .text("fake"))
        #expect(try parameter(contextKey: "subject").resolve(events: Self.events) == .text("example-1"))
        #expect(
            try parameter(dataKey: "name.first", contextKey: "subject").resolve(events: Self.events) == .text("fake"))
        #expect(try parameter(value: "hello").resolve(events: Self.events) == .text("hello"))
        guard case .text(let whole)? = try parameter().resolve(events: Self.events) else {
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

    /// Case 40: templates, and the fall back from a template that prints `<no value>` to the key.
    @Test func templates() throws {
        #expect(
            try parameter(dataTemplate: "{{ upper .Input.name.first }}").resolve(events: Self.events) == .text("FAKE"))
        #expect(
            try parameter(contextTemplate: #"{{ .Input.subject | replace "-" "_" }}"#).resolve(events: Self.events)
                == .text("example_1"))
        #expect(
            try parameter(dataKey: "name.first", dataTemplate: "{{ .Input.name.non_exist }}").resolve(
                events: Self.events)
                == .text("fake"))
    }

    /// Case 40, last part: `{{ no }}` is a runtime fall back in Argo Events; here it is a load error (documented difference).
    @Test func undefinedTemplateFunctionIsALoadError() {
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
                        - src: {dependencyName: dep, dataKey: name.first, dataTemplate: "{{ no }}"}
                          dest: x
            """
        let (sensor, findings) = loadSensor(text)
        #expect(sensor == nil)
        #expect(
            findings.contains {
                $0.description.hasPrefix("test.yaml:12:") && $0.message.contains("function \"no\" not defined")
            })
    }

    /// Case 41: raw data keeps objects and arrays.
    @Test func rawData() throws {
        #expect(
            try parameter(dataKey: "name", useRawData: true).resolve(events: Self.events)
                == .raw(json(#"{"first":"fake","last":"user"}"#)))
        #expect(
            try parameter(dataKey: "countries", useRawData: true).resolve(events: Self.events)
                == .raw(json(#"["ca","us","mx"]"#)))
    }

    /// Case 42: overwrite, prepend and append against an existing string.
    @Test(arguments: [
        (TriggerParameter.Operation.overwrite, "fake"), (.prepend, "fakefaker"), (.append, "fakerfake"),
    ])
    func operations(operation: TriggerParameter.Operation, expected: String) throws {
        var document = json(#"{"name":"faker"}"#)
        try [parameter(value: "fake", dest: "name", operation: operation)].apply(events: Self.events, to: &document)
        #expect(document == json(#"{"name":"\#(expected)"}"#))
    }

    /// Case 43: an object without useRawData is written as escaped JSON text, with it as the object.
    @Test func objectsAsTextOrRaw() throws {
        var document = json("{}")
        try [parameter(dataKey: "name", dest: "name")].apply(events: Self.events, to: &document)
        #expect(document == .map(["name": .string(#"{"first":"fake","last":"user"}"#)]))
        document = json("{}")
        try [parameter(dataKey: "name", useRawData: true, dest: "name")].apply(events: Self.events, to: &document)
        #expect(document == json(#"{"name":{"first":"fake","last":"user"}}"#))
    }

    /// Case 44: raw overwrite keeps the number; append to an existing value makes text; append to a missing one sets it.
    @Test func rawApply() throws {
        var document = json(#"{"age":"x","ageWithYears":"Years: "}"#)
        try [
            parameter(dataKey: "age", useRawData: true, dest: "age"),
            parameter(dataKey: "age", useRawData: true, dest: "ageWithYears", operation: .append),
            parameter(dataKey: "countries", useRawData: true, dest: "countries", operation: .append),
        ].apply(events: Self.events, to: &document)
        #expect(document == json(#"{"age":100,"ageWithYears":"Years: 100","countries":["ca","us","mx"]}"#))
    }

    /// Case 45: a payload with and without useRawData, a missing key with a default, and null.
    @Test func constructPayload() throws {
        let raw = try Trigger.payload(
            [
                parameter(dataKey: "age", useRawData: true, dest: "age"),
                parameter(dataKey: "isActive", useRawData: true, dest: "isActive"),
                parameter(dataKey: "nullable_key", useRawData: true, dest: "nullable_key"),
            ],
            events: Self.events)
        #expect(raw == .json(json(#"{"age":100,"isActive":false,"nullable_key":null}"#)))
        let text = try Trigger.payload(
            [
                parameter(dataKey: "age", dest: "age"), parameter(dataKey: "isActive", dest: "isActive"),
                parameter(dataKey: "missing", value: "faker", dest: "name"),
            ],
            events: Self.events)
        #expect(text == .json(json(#"{"age":"100","isActive":"false","name":"faker"}"#)))
    }

    /// Case 46: YAML data is read as a document.
    @Test func yamlData() throws {
        let events = ["dep": makeEvent(data: .string("name: test\nage: 20"), contentType: "application/yaml")]
        #expect(
            try parameter(dataTemplate: "{{ toJson .Input }}").resolve(events: events)
                == .text(#"{"age":20,"name":"test"}"#))
        #expect(try parameter(dataKey: "age", useRawData: true).resolve(events: events) == .raw(.int(20)))
    }

    /// Issues #1366/#1458: under `||` an absent dependency's parameter takes its value, or is skipped.
    @Test func absentDependency() throws {
        #expect(
            try parameter(dataKey: "name.first", value: "default", dependency: "other").resolve(events: Self.events)
                == .text("default"))
        #expect(try parameter(dataKey: "name.first", dependency: "other").resolve(events: Self.events) == nil)
        var document = json(#"{"x":"kept"}"#)
        try [parameter(dataKey: "name.first", dependency: "other", dest: "x")].apply(events: Self.events, to: &document)
        #expect(document == json(#"{"x":"kept"}"#))
    }

    /// Nothing resolves: an error naming the dependency.
    @Test func unresolvable() throws {
        #expect(throws: ParameterError.self) { try parameter(dataKey: "missing").resolve(events: Self.events) }
    }

    /// sjson destinations: array indexes, `-1` to append, escaped dots.
    @Test func destinations() throws {
        var document = json(#"{"spec":{"arguments":{"parameters":[{"name":"message","value":"hello"}]}}}"#)
        try [
            parameter(value: "from event", dest: "spec.arguments.parameters.0.value"),
            parameter(value: "new", dest: "spec.list.-1"),
            parameter(value: "dotted", dest: #"metadata.labels.app\.kubernetes\.io/name"#),
        ].apply(events: Self.events, to: &document)
        #expect(document["spec"]?["arguments"]?["parameters"]?.arrayValue?.first?["value"] == "from event")
        #expect(document["spec"]?["list"] == ["new"])
        #expect(document["metadata"]?["labels"]?["app.kubernetes.io/name"] == "dotted")
    }
}

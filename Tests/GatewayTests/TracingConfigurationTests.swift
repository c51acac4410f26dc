import ConfigReader
import Foundation
import Gateway
import Testing

/// `tracing:` and the standard `OTEL_*` variables: off by default, turned on as any OpenTelemetry SDK is, and what
/// the OTLP/HTTP exporter cannot honour refused at start.
struct TracingConfigurationTests {
    static func parse(_ yaml: String = "", _ environment: [String: String] = [:]) throws -> GatewayConfiguration {
        try GatewayConfiguration.parse(yaml, file: "g.yaml", environment: environment)
    }

    /// Nothing set: no tracing; the shipped file leaves it off too.
    @Test func offByDefault() throws {
        let tracing = try Self.parse().tracing
        #expect(!tracing.isEnabled)
        #expect(tracing.serviceName == "sensor-gateway")
        #expect(tracing.exportProtocol == .protobuf)
        #expect(tracing.sampler == "parentbased_always_on")
        let shipped = GatewayConfigurationTests.repository.appendingPathComponent("config/gateway.yaml").path
        #expect(!(try GatewayConfiguration.load(path: shipped, environment: [:]).tracing.isEnabled))
    }

    /// An endpoint variable or `OTEL_TRACES_EXPORTER=otlp` turns it on; `none` and `OTEL_SDK_DISABLED=true` win.
    @Test(arguments: [
        (["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"], true),
        (["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"], true),
        (["OTEL_TRACES_EXPORTER": "otlp"], true),
        (["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_TRACES_EXPORTER": "none"], false),
        (["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_SDK_DISABLED": "true"], false),
        (["OTEL_SERVICE_NAME": "gw"], false),
    ])
    func environmentTurnsItOn(environment: [String: String], enabled: Bool) throws {
        #expect(try Self.parse("", environment).tracing.isEnabled == enabled)
    }

    /// The file's keys; an endpoint alone turns tracing on, `enabled: false` keeps it off, an exporter variable
    /// overrides the file.
    @Test func fileKeys() throws {
        let tracing = try Self.parse(
            """
            tracing:
              endpoint: http://collector:4318
              protocol: http/json
              serviceName: gw-prod
              resourceAttributes: {deployment.environment: prod, team: ml}
              sampler: parentbased_traceidratio
              samplerArg: 0.25
              batch: {scheduleDelay: 500ms, exportTimeout: 10s, maxQueueSize: 100, maxExportBatchSize: 10}

            """
        ).tracing
        #expect(tracing.isEnabled)
        #expect(tracing.endpoint == "http://collector:4318")
        #expect(tracing.exportProtocol == .json)
        #expect(tracing.serviceName == "gw-prod")
        #expect(tracing.resourceAttributes == ["deployment.environment": "prod", "team": "ml"])
        #expect(tracing.sampler == "parentbased_traceidratio")
        #expect(tracing.samplerArgument == 0.25)
        #expect(tracing.scheduleDelay == .milliseconds(500))
        #expect(tracing.exportTimeout == .seconds(10))
        #expect(tracing.maxQueueSize == 100)
        #expect(tracing.maxExportBatchSize == 10)
        #expect(!(try Self.parse("tracing: {endpoint: http://c:4318, enabled: false}\n").tracing.isEnabled))
        #expect(try Self.parse("tracing: {enabled: true}\n").tracing.isEnabled)
        #expect(
            !(try Self.parse("tracing: {enabled: true}\n", ["OTEL_TRACES_EXPORTER": "none"]).tracing.isEnabled))
    }

    /// A protocol, exporter or sampler the exporter cannot honour is an error naming the key or the variable.
    @Test func refusesWhatCannotBeHonoured() throws {
        let file = #expect(throws: ConfigurationError.self) {
            try Self.parse("tracing: {protocol: grpc, sampler: jaeger_remote, samplerArg: 2, colour: red}\n")
        }
        let text = "\(file.map { "\($0)" } ?? "")"
        #expect(text.contains("tracing.protocol 'grpc'"))
        #expect(text.contains("tracing.sampler 'jaeger_remote'"))
        #expect(text.contains("tracing.samplerArg must be 0–1"))
        #expect(text.contains("tracing.colour"))
        for (name, value) in [
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/thrift"),
            ("OTEL_TRACES_EXPORTER", "zipkin"), ("OTEL_TRACES_SAMPLER", "xray"),
        ] {
            let error = #expect(throws: ConfigurationError.self) { try Self.parse("", [name: value]) }
            #expect("\(error.map { "\($0)" } ?? "")".contains("\(name) '\(value)'"))
        }
    }
}

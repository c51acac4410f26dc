package import ConfigReader
import Foundation

extension GatewayConfiguration {
    /// `tracing:`: OpenTelemetry traces of the pipeline, exported over OTLP/HTTP. Off unless turned on here or by the
    /// standard variables (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_TRACES_EXPORTER=otlp`); the other standard `OTEL_*`
    /// variables override these keys, as in any OpenTelemetry SDK.
    public struct Tracing: Sendable {
        /// The OTLP/HTTP encodings the exporter speaks.
        public enum ExportProtocol: String, Sendable, CaseIterable {
            /// `http/protobuf`.
            case protobuf = "http/protobuf"
            /// `http/json`.
            case json = "http/json"
        }

        /// `tracing.enabled`; `nil`: on when ``endpoint`` is set.
        public var enabled: Bool?
        /// `tracing.endpoint`: the collector's base URL (`/v1/traces` is appended), as `OTEL_EXPORTER_OTLP_ENDPOINT`.
        public var endpoint: String?
        /// `tracing.protocol`.
        public var exportProtocol = ExportProtocol.protobuf
        /// `tracing.serviceName`: the `service.name` resource attribute.
        public var serviceName = "sensor-gateway"
        /// `tracing.resourceAttributes`: more resource attributes (`deployment.environment: prod`).
        public var resourceAttributes: [String: String] = [:]
        /// `tracing.sampler`: an `OTEL_TRACES_SAMPLER` value.
        public var sampler = "parentbased_always_on"
        /// `tracing.samplerArg`: the ratio of the `traceidratio` samplers, 0–1.
        public var samplerArgument: Double?
        /// `tracing.batch.scheduleDelay`: how long finished spans wait before they are exported.
        public var scheduleDelay: Duration = .seconds(5)
        /// `tracing.batch.exportTimeout`.
        public var exportTimeout: Duration = .seconds(30)
        /// `tracing.batch.maxQueueSize`: spans held at most; more are dropped.
        public var maxQueueSize = 2048
        /// `tracing.batch.maxExportBatchSize`.
        public var maxExportBatchSize = 512
        /// Whether traces are exported: decided by the file and the environment (``GatewayConfiguration/apply(environment:)``).
        public private(set) var isEnabled = false

        /// The samplers `tracing.sampler` and `OTEL_TRACES_SAMPLER` may name.
        public static let samplers = [
            "always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off",
            "parentbased_traceidratio",
        ]

        /// Decides ``isEnabled`` from the file and the standard variables, and checks the ones the exporter cannot
        /// honour: `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none` turn tracing off; `otlp` turns it on, and
        /// so does an OTLP endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`).
        /// - Throws: ``ConfigurationError`` for another exporter, a gRPC or unknown protocol, or an unknown sampler.
        mutating func apply(environment: [String: String]) throws(ConfigurationError) {
            func value(_ name: String) -> String? {
                guard let value = environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
                    return nil
                }
                return value
            }
            func invalid(_ name: String, _ message: String) -> ConfigurationError {
                ConfigurationError(at: SourceLocation(file: "$\(name)", line: 0, column: 0), message)
            }
            var enabled = self.enabled ?? (endpoint != nil)
            if value("OTEL_EXPORTER_OTLP_ENDPOINT") != nil || value("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != nil {
                enabled = true
            }
            if let exporter = value("OTEL_TRACES_EXPORTER") {
                switch exporter {
                case "otlp": enabled = true
                case "none": enabled = false
                default:
                    throw invalid(
                        "OTEL_TRACES_EXPORTER", "OTEL_TRACES_EXPORTER '\(exporter)' is not supported: otlp or none")
                }
            }
            if let disabled = value("OTEL_SDK_DISABLED"), disabled.lowercased() == "true" { enabled = false }
            for name in ["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"] {
                guard let text = value(name) else { continue }
                guard ExportProtocol(rawValue: text) != nil else {
                    throw invalid(
                        name, "\(name) '\(text)' is not supported: http/protobuf or http/json (gRPC is not built in)")
                }
                break
            }
            if let text = value("OTEL_TRACES_SAMPLER"), !Self.samplers.contains(text) {
                throw invalid(
                    "OTEL_TRACES_SAMPLER",
                    "OTEL_TRACES_SAMPLER '\(text)' is not one of \(Self.samplers.joined(separator: ", "))")
            }
            isEnabled = enabled
        }
    }

    mutating func readTracing(_ section: inout FieldReader, diagnostics: inout Diagnostics) {
        tracing.enabled = section.bool("enabled", diagnostics: &diagnostics)
        tracing.endpoint = section.string("endpoint", diagnostics: &diagnostics)
        if let text = section.string("protocol", diagnostics: &diagnostics) {
            if let parsed = Tracing.ExportProtocol(rawValue: text) {
                tracing.exportProtocol = parsed
            } else {
                diagnostics.error(
                    "tracing.protocol '\(text)' is not one of http/protobuf, http/json (gRPC is not built in)",
                    at: section.location(of: "protocol"), path: "tracing.protocol")
            }
        }
        tracing.serviceName = section.string("serviceName", diagnostics: &diagnostics) ?? tracing.serviceName
        if let attributes = section.mapping("resourceAttributes", diagnostics: &diagnostics) {
            for entry in attributes.node.entries ?? [] {
                guard let text = entry.value.scalarText else {
                    diagnostics.error(
                        "tracing.resourceAttributes.\(entry.key) must be a string", at: entry.value,
                        path: "tracing.resourceAttributes.\(entry.key)")
                    continue
                }
                tracing.resourceAttributes[entry.key] = text
            }
        }
        if let sampler = section.string("sampler", diagnostics: &diagnostics) {
            if Tracing.samplers.contains(sampler) {
                tracing.sampler = sampler
            } else {
                diagnostics.error(
                    "tracing.sampler '\(sampler)' is not one of \(Tracing.samplers.joined(separator: ", "))",
                    at: section.location(of: "sampler"), path: "tracing.sampler")
            }
        }
        if let ratio = section.number("samplerArg", diagnostics: &diagnostics) {
            if (0...1).contains(ratio) {
                tracing.samplerArgument = ratio
            } else {
                diagnostics.error(
                    "tracing.samplerArg must be 0–1", at: section.location(of: "samplerArg"), path: "tracing.samplerArg"
                )
            }
        }
        if var batch = section.mapping("batch", diagnostics: &diagnostics) {
            readBatch(&batch, diagnostics: &diagnostics)
        }
        section.finish(diagnostics: &diagnostics, label: "unknown key")
    }

    private mutating func readBatch(_ batch: inout FieldReader, diagnostics: inout Diagnostics) {
        func count(_ key: String, diagnostics: inout Diagnostics) -> Int? {
            guard let value = batch.integer(key, diagnostics: &diagnostics) else { return nil }
            guard (1...1_000_000).contains(value) else {
                diagnostics.error(
                    "tracing.batch.\(key) must be 1–1000000", at: batch.location(of: key), path: "tracing.batch.\(key)")
                return nil
            }
            return Int(value)
        }
        tracing.scheduleDelay = batch.duration("scheduleDelay", diagnostics: &diagnostics) ?? tracing.scheduleDelay
        tracing.exportTimeout = batch.duration("exportTimeout", diagnostics: &diagnostics) ?? tracing.exportTimeout
        tracing.maxQueueSize = count("maxQueueSize", diagnostics: &diagnostics) ?? tracing.maxQueueSize
        tracing.maxExportBatchSize =
            count("maxExportBatchSize", diagnostics: &diagnostics) ?? tracing.maxExportBatchSize
        batch.finish(diagnostics: &diagnostics, label: "unknown key")
    }
}

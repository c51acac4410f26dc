import Logging
import OTel
import ServiceLifecycle
import Tracing

/// The OpenTelemetry tracer of the pipeline (swift-otel, OTLP/HTTP) and the service that batches and exports what it
/// records; the service flushes the spans still queued when the group shuts down.
struct TracingBackend {
    let tracer: any Tracer
    let service: any Service

    /// Makes the tracer from `tracing:`, then the standard `OTEL_*` variables of the process over it (endpoint,
    /// headers, protocol, service name, resource attributes, sampler and its argument, `OTEL_BSP_*`).
    /// - Throws: the exporter's error when it cannot be made (a certificate that does not load, say).
    init(_ tracing: GatewayConfiguration.Tracing, logger: Logger) throws {
        var configuration = OTel.Configuration.default
        configuration.serviceName = tracing.serviceName
        configuration.resourceAttributes = tracing.resourceAttributes
        configuration.diagnosticLogger = .custom(logger)
        configuration.diagnosticLogLevel = .warning
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.traces.exporter = .otlp
        configuration.traces.otlpExporter.protocol =
            switch tracing.exportProtocol {
            case .protobuf: .httpProtobuf
            case .json: .httpJSON
            }
        if let endpoint = tracing.endpoint {
            var base = Substring(endpoint)
            while base.hasSuffix("/") { base = base.dropLast() }
            configuration.traces.otlpExporter.endpoint = base + "/v1/traces"
        }
        configuration.traces.sampler = Self.sampler(tracing.sampler, ratio: tracing.samplerArgument ?? 1)
        configuration.traces.batchSpanProcessor.scheduleDelay = tracing.scheduleDelay
        configuration.traces.batchSpanProcessor.exportTimeout = tracing.exportTimeout
        configuration.traces.batchSpanProcessor.maxQueueSize = tracing.maxQueueSize
        configuration.traces.batchSpanProcessor.maxExportBatchSize = tracing.maxExportBatchSize
        let backend = try OTel.makeTracingBackend(configuration: configuration)
        tracer = backend.factory
        service = backend.service
    }

    /// The sampler `name` names (one of ``GatewayConfiguration/Tracing/samplers``), with `ratio` for the ratio ones.
    static func sampler(_ name: String, ratio: Double) -> OTel.Configuration.TracesConfiguration.SamplerConfiguration {
        let bounded = min(max(ratio, 0), 1)
        return switch name {
        case "always_on": .alwaysOn
        case "always_off": .alwaysOff
        case "traceidratio": .traceIDRatio(ratio: bounded) ?? .traceIDRatio
        case "parentbased_always_off": .parentBasedAlwaysOff
        case "parentbased_traceidratio": .parentBasedTraceIDRatio(ratio: bounded) ?? .parentBasedTraceIDRatio
        default: .parentBasedAlwaysOn
        }
    }
}

import Foundation
import LoopbackTesting
import Testing

/// deploy/components: the alerts pass `promtool check rules` and fire on what they are for (`promtool test rules`),
/// and the Grafana dashboard parses and queries only metrics the gateway exports.
@Suite("deploy/ monitoring: alerts and dashboard")
struct MonitoringTests {
    static let prometheusRule = "deploy/components/prometheus-operator/prometheusrule.yaml"
    static let dashboard = "deploy/components/grafana-dashboard/sensor-gateway.json"
    /// The admin API spec: its `x-metric-families` are what `/metrics` exports (the conformance test holds the live
    /// output to them).
    static let adminSpec = "specs/admin-openapi.yaml"
    static let alertCases = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Support/alerts-test.yaml")

    /// The PrometheusRule's groups as a Prometheus rule file, written into `directory` as `rules.yaml`.
    static func writeRuleFile(_ prometheusRule: String, into directory: URL) throws -> URL {
        let groups = try Deploy.check(["rule-groups", prometheusRule])
        guard groups.status == 0 else { throw Deploy.ToolMissing(description: groups.transcript) }
        let file = directory.appendingPathComponent("rules.yaml")
        try Data(groups.output.utf8).write(to: file)
        return file
    }

    static func scratchDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("alerts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test("the PrometheusRule's groups pass promtool check rules", .promtool)
    func rulesCheck() throws {
        let directory = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let rules = try Self.writeRuleFile(Self.prometheusRule, into: directory)
        let result = try Promtool.run(["check", "rules", rules.path])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("SUCCESS: 5 rules found"), "\(result.output)")
    }

    /// `promtool test rules` of Support/alerts-test.yaml on the PrometheusRule's groups, edited by `edit` first.
    static func runAlertCases(edit: (String) -> String = { $0 }) throws -> Promtool.Result {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let rules = try writeRuleFile(prometheusRule, into: directory)
        try Data(edit(try String(contentsOf: rules, encoding: .utf8)).utf8).write(to: rules)
        let cases = directory.appendingPathComponent("alerts-test.yaml")
        try FileManager.default.copyItem(at: alertCases, to: cases)
        return try Promtool.run(["test", "rules", cases.path])
    }

    /// Dead letters, a growing lag (seen by two replicas: `max`, not `sum`), a failing trigger, a pod not ready and
    /// one without NATS each fire their alert; healthy series fire none.
    @Test("each alert fires on what it is for and on nothing else (promtool test rules)", .promtool)
    func alertsFire() throws {
        let result = try Self.runAlertCases()
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("SUCCESS"), "\(result.output)")
    }

    /// Summing the lag over replicas would double it: the cases catch it.
    @Test("the alert cases fail on a lag alert that sums the replicas' gauges", .promtool)
    func alertCasesCatchASum() throws {
        let maximum = "max by (namespace, stream, consumer) (sensor_gateway_consumer_pending) >"
        let result = try Self.runAlertCases { text in
            #expect(text.contains(maximum), "the rule file no longer holds the lag alert's max")
            return text.replacingOccurrences(
                of: maximum, with: "sum by (namespace, stream, consumer) (sensor_gateway_consumer_pending) >")
        }
        #expect(result.status != 0)
        #expect(result.output.contains("alertname: SensorGatewayConsumerLagGrowing"), "\(result.output)")
    }

    @Test("the Grafana dashboard parses and queries only metrics the gateway exports")
    func dashboardUsesExportedMetrics() throws {
        let result = try Deploy.check(["dashboard", Self.dashboard, Self.adminSpec])
        #expect(result.status == 0, "\(result.transcript)")
        for metric in [
            "sensor_gateway_triggers_total", "sensor_gateway_trigger_duration_seconds_bucket",
            "sensor_gateway_events_filtered_total", "sensor_gateway_consumer_pending", "sensor_gateway_dlq_total",
            "sensor_gateway_correlations_pending",
        ] {
            #expect(result.output.contains(metric), "the dashboard does not show \(metric):\n\(result.transcript)")
        }
    }

    @Test("the dashboard check reports a metric the gateway does not export")
    func dashboardCheckCatchesAnUnknownMetric() throws {
        let text = try String(contentsOf: Deploy.root.appendingPathComponent(Self.dashboard), encoding: .utf8)
        #expect(text.contains("sensor_gateway_consumer_pending{"))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("dashboard-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(
            text.replacingOccurrences(of: "sensor_gateway_consumer_pending{", with: "sensor_gateway_consumer_lag{")
                .utf8
        ).write(to: file)
        let result = try Deploy.check(["dashboard", file.path, Self.adminSpec])
        #expect(result.status == 1)
        #expect(
            !result.errorLines.isEmpty
                && result.errorLines.allSatisfy {
                    $0.hasSuffix("sensor_gateway_consumer_lag not exported by the gateway")
                },
            "\(result.transcript)")
    }
}

import Testing

@testable import Gateway

/// The per-dependency counters `/metrics` renders beside the registry's metrics.
struct DependencyCountersTests {
    @Test func renderedAsCountersWithEscapedLabels() {
        let metrics = GatewayMetrics()
        #expect(!metrics.render().contains("sensor_gateway_events_received_total"), "no family before a dependency")
        let plain = metrics.dependencyCounters(sensor: "a", dependency: "push")
        plain.eventsReceived(5, ruledOut: 2)
        plain.eventFiltered(failed: false)
        plain.eventFiltered(failed: true)
        let odd = metrics.dependencyCounters(sensor: #"q"\"#, dependency: "line\nbreak")
        odd.eventsReceived(1, ruledOut: 0)
        // The same dependency again: the same counters.
        metrics.dependencyCounters(sensor: "a", dependency: "push").eventsReceived(1, ruledOut: 0)

        let lines = metrics.render().split(separator: "\n").map(String.init)
        let expected = [
            "# HELP sensor_gateway_events_received_total Events routed to a sensor dependency.",
            "# TYPE sensor_gateway_events_received_total counter",
            #"sensor_gateway_events_received_total{sensor="a",dependency="push"} 6"#,
            #"sensor_gateway_events_received_total{sensor="q\"\\",dependency="line\nbreak"} 1"#,
            "# HELP sensor_gateway_events_filtered_total Events rejected by a dependency's filters.",
            "# TYPE sensor_gateway_events_filtered_total counter",
            #"sensor_gateway_events_filtered_total{sensor="a",dependency="push",reason="filter"} 3"#,
            #"sensor_gateway_events_filtered_total{sensor="a",dependency="push",reason="error"} 1"#,
            #"sensor_gateway_events_filtered_total{sensor="q\"\\",dependency="line\nbreak",reason="filter"} 0"#,
            #"sensor_gateway_events_filtered_total{sensor="q\"\\",dependency="line\nbreak",reason="error"} 0"#,
        ]
        let rendered = lines.filter { $0.contains("events_received_total") || $0.contains("events_filtered_total") }
        #expect(rendered == expected)
        // Each family once, as the registry renders each of its own.
        #expect(lines.filter { $0.hasPrefix("# TYPE sensor_gateway_events_") }.count == 2)
    }
}

import Foundation
import Prometheus
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The process metrics under the names every Prometheus client library exports them (`process_cpu_seconds_total`,
/// `process_resident_memory_bytes`, `process_virtual_memory_bytes`, `process_open_fds`, `process_max_fds`,
/// `process_start_time_seconds`), read from procfs at each scrape. Reading procfs does not wait on a device; where
/// there is no procfs the metrics are not registered.
final class ProcessMetrics: Sendable {
    private let cpuSeconds: Counter
    /// The CPU time the counter has been raised to: the counter only goes up, by the difference.
    private let countedCPUSeconds = Mutex<Double>(0)
    private let residentMemory: Gauge
    private let virtualMemory: Gauge
    private let openFileDescriptors: Gauge
    private let maximumFileDescriptors: Gauge

    /// Registers the metrics in `registry`; nil when procfs cannot be read.
    init?(registry: PrometheusCollectorRegistry) {
        guard let statistics = ProcessStatistics.current(), let startTime = ProcessStatistics.startTimeSeconds() else {
            return nil
        }
        func descriptor(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "process", metricName: name, unitName: unit, helpText: help)
        }
        cpuSeconds = registry.makeCounter(
            descriptor: descriptor("cpu_seconds", "total", "Total user and system CPU time spent in seconds."))
        residentMemory = registry.makeGauge(
            descriptor: descriptor("resident_memory", "bytes", "Resident memory size in bytes."))
        virtualMemory = registry.makeGauge(
            descriptor: descriptor("virtual_memory", "bytes", "Virtual memory size in bytes."))
        openFileDescriptors = registry.makeGauge(
            descriptor: descriptor("open", "fds", "Number of open file descriptors."))
        maximumFileDescriptors = registry.makeGauge(
            descriptor: descriptor("max", "fds", "Maximum number of open file descriptors."))
        registry.makeGauge(
            descriptor: descriptor("start_time", "seconds", "Start time of the process since unix epoch in seconds.")
        ).set(startTime)
        update(statistics)
    }

    /// Reads procfs again and updates the metrics.
    func refresh() {
        guard let statistics = ProcessStatistics.current() else { return }
        update(statistics)
    }

    private func update(_ statistics: ProcessStatistics) {
        countedCPUSeconds.withLock { counted in
            guard statistics.cpuSeconds > counted else { return }
            cpuSeconds.increment(by: statistics.cpuSeconds - counted)
            counted = statistics.cpuSeconds
        }
        residentMemory.set(statistics.residentBytes)
        virtualMemory.set(statistics.virtualBytes)
        openFileDescriptors.set(Double(statistics.openFileDescriptors))
        if let maximum = statistics.maximumFileDescriptors { maximumFileDescriptors.set(Double(maximum)) }
    }
}

/// One reading of the process's resource use from procfs.
struct ProcessStatistics: Equatable {
    /// User plus system CPU time.
    var cpuSeconds: Double
    var residentBytes: Double
    var virtualBytes: Double
    var openFileDescriptors: Int
    /// The soft limit on open files; nil when unlimited (`RLIM_INFINITY`, all bits set).
    var maximumFileDescriptors: Int?

    /// The current reading; nil when `/proc/self/stat` cannot be read or parsed.
    static func current() -> ProcessStatistics? {
        guard let fields = statFields(), fields.count > 21, let user = Double(fields[11]),
            let system = Double(fields[12]), let virtual = Double(fields[20]), let residentPages = Double(fields[21])
        else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
        var limit = rlimit()
        let maximum: Int? =
            getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 && limit.rlim_cur != rlim_t.max
            ? Int(limit.rlim_cur) : nil
        return ProcessStatistics(
            cpuSeconds: (user + system) / ticks, residentBytes: residentPages * pageSize, virtualBytes: virtual,
            openFileDescriptors: descriptors, maximumFileDescriptors: maximum)
    }

    /// When the process started, in seconds since 1970: its start in clock ticks after boot (`/proc/self/stat`)
    /// plus the boot time (`btime` of `/proc/stat`).
    static func startTimeSeconds() -> Double? {
        guard let fields = statFields(), fields.count > 19, let startTicks = Double(fields[19]),
            let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let bootLine = stat.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }),
            let bootTime = Double(bootLine.dropFirst("btime ".count).trimmingCharacters(in: .whitespaces))
        else { return nil }
        return bootTime + startTicks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The fields of `/proc/self/stat` after the command name (which is in parentheses and may hold spaces), so
    /// index 0 is the state, field 3 of proc(5).
    private static func statFields() -> [Substring]? {
        guard let text = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let end = text.lastIndex(of: ")")
        else { return nil }
        return text[text.index(after: end)...].split(separator: " ", omittingEmptySubsequences: true)
    }
}

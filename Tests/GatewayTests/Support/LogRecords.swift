import Logging
import Synchronization

/// The records a test's logger wrote: message and metadata, in order.
final class LogRecords: Sendable {
    private let records = Mutex<[(message: String, metadata: Logger.Metadata)]>([])

    func append(_ message: String, _ metadata: Logger.Metadata) {
        records.withLock { $0.append((message, metadata)) }
    }

    /// Every record so far.
    var entries: [(message: String, metadata: Logger.Metadata)] { records.withLock { $0 } }

    /// Every record as `message [metadata sorted by key]`.
    var lines: [String] { entries.map { "\($0.message) \($0.metadata.sorted { $0.key < $1.key })" } }
}

/// A log handler that keeps every record in ``LogRecords``, at every level.
struct CapturingLogHandler: LogHandler {
    let records: LogRecords
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        records.append("\(event.message)", metadata.merging(event.metadata ?? [:]) { _, new in new })
    }
}

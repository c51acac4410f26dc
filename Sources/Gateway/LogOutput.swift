import Dispatch
import Foundation
import Synchronization

/// Where the daemon's log lines go: standard error, in whole lines and in order, written in batches.
///
/// A line waits at most ``delay`` in the buffer: the first line into an empty buffer schedules one `write` of
/// everything buffered by then, so a busy gateway makes a system call per few milliseconds of lines rather than one
/// per line. A line at `warning` or above is written at once (with what was buffered before it), as is the buffer
/// when it holds ``limit`` bytes, and, for ``standardError``, when the process exits (an `atexit` handler registered
/// with the first line): no line is lost at exit.
final class LogOutput: Sendable {
    private struct Pending {
        var bytes: [UInt8] = []
        var scheduled = false
    }

    /// Standard error, written out at the process's exit too.
    static let standardError: LogOutput = {
        let output = LogOutput(fileDescriptor: 2)
        atexit { LogOutput.standardError.flush() }
        return output
    }()

    /// The longest a line waits for the next write.
    static let delay = DispatchTimeInterval.milliseconds(5)
    /// The bytes buffered at most before a line is written at once.
    static let limit = 64 << 10

    private let fileDescriptor: Int32
    private let pending = Mutex(Pending())
    private let queue = DispatchQueue(label: "sensor-gateway.log-output")

    /// Lines for `fileDescriptor`, which must stay open while the output is used.
    init(fileDescriptor: Int32) {
        self.fileDescriptor = fileDescriptor
    }

    /// Buffers `line` (UTF-8, ending in a newline), or writes it at once with what is buffered when `now`.
    func write(_ line: [UInt8], now: Bool) {
        let schedule = pending.withLock { pending -> Bool in
            pending.bytes.append(contentsOf: line)
            if now || pending.bytes.count >= Self.limit {
                writeOut(&pending.bytes)
                return false
            }
            guard !pending.scheduled else { return false }
            pending.scheduled = true
            return true
        }
        if schedule {
            queue.asyncAfter(deadline: .now() + Self.delay) { [self] in
                pending.withLock { pending in
                    pending.scheduled = false
                    writeOut(&pending.bytes)
                }
            }
        }
    }

    /// Writes what is buffered now.
    func flush() {
        pending.withLock { writeOut(&$0.bytes) }
    }

    /// Writes `bytes` whole (under the lock, so batches keep their order) and empties it, keeping its capacity.
    private func writeOut(_ bytes: inout [UInt8]) {
        guard !bytes.isEmpty else { return }
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(
                    fileDescriptor, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                if written < 0, errno == EINTR { continue }
                if written <= 0 { break }
                offset += written
            }
        }
        bytes.removeAll(keepingCapacity: true)
    }
}

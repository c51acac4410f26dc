import Foundation
import Synchronization

/// A loopback HTTP/1.1 keep-alive sink that answers `200 {}` to every request and records when each arrived.
///
/// The trigger's body is `{"seq":N}` (its `payload` takes the event's `data.seq`); the sink notes the arrival of
/// each `N` on its clock, so the benchmark, which published event `N` in the same process, gets publish → request
/// received. A thread per connection; requests are parsed as bytes (head up to `\r\n\r\n`, then `Content-Length`
/// bytes of body), since the sink shares the two cores with what it measures.
final class RecordingSink: Sendable {
    struct Arrivals {
        /// Arrival of each sequence number (nil: not yet).
        var times: [ContinuousClock.Instant?]
        /// Requests received (duplicates included).
        var count = 0
        /// Connections accepted (keep-alive: about as many as requests in flight).
        var connections = 0
        var first: ContinuousClock.Instant?
        var last: ContinuousClock.Instant?
    }

    let port: Int
    private let listener: Int32
    private let arrivals: Mutex<Arrivals>

    init(capacity: Int) throws {
        arrivals = Mutex(Arrivals(times: Array(repeating: nil, count: capacity)))
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && listen(listener, 512) == 0 && getsockname(listener, $0, &length) == 0
            }
        }
        guard bound else { throw BenchmarkFailure(description: "sink: cannot listen on loopback: errno \(errno)") }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread { [self] in
            while true {
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { return }
                self.arrivals.withLock { $0.connections += 1 }
                var noDelay: Int32 = 1
                setsockopt(connection, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
                Thread { self.serve(connection) }.start()
            }
        }.start()
    }

    var url: String { "http://127.0.0.1:\(port)/hook" }

    /// Forgets every arrival (between runs).
    func reset(capacity: Int) {
        arrivals.withLock { $0 = Arrivals(times: Array(repeating: nil, count: capacity)) }
    }

    func snapshot<T>(_ body: (borrowing Arrivals) -> T) -> T {
        arrivals.withLock { body($0) }
    }

    var count: Int { arrivals.withLock { $0.count } }

    private func record(_ sequence: Int?) {
        let now = ContinuousClock.now
        arrivals.withLock { state in
            state.count += 1
            if state.first == nil { state.first = now }
            state.last = now
            if let sequence, sequence >= 0, sequence < state.times.count, state.times[sequence] == nil {
                state.times[sequence] = now
            }
        }
    }

    private func serve(_ connection: Int32) {
        defer { close(connection) }
        let answer = Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}".utf8)
        var pending: [UInt8] = []
        var scratch = [UInt8](repeating: 0, count: 65_536)
        let parser = RequestScanner()
        while true {
            let count = read(connection, &scratch, scratch.count)
            guard count > 0 else { return }
            pending.append(contentsOf: scratch[0..<count])
            var consumed = 0
            while let (end, sequence) = parser.next(in: pending, from: consumed) {
                consumed = end
                record(sequence)
                guard answer.withUnsafeBytes({ write(connection, $0.baseAddress, $0.count) }) == answer.count else {
                    return
                }
            }
            if consumed > 0 { pending.removeFirst(consumed) }
        }
    }
}

/// Finds complete requests in a byte buffer and the `"seq":N` of each body.
struct RequestScanner {
    private static let lengthName = Array("content-length:".utf8)
    private static let sequenceKey = Array(#""seq":"#.utf8)

    /// The end of the complete request starting at `start`, and its sequence number; nil while incomplete.
    func next(in bytes: [UInt8], from start: Int) -> (end: Int, sequence: Int?)? {
        guard let bodyStart = Self.find([13, 10, 13, 10], in: bytes, from: start, to: bytes.count).map({ $0 + 4 })
        else { return nil }
        var length = 0
        if let field = Self.findCaseless(Self.lengthName, in: bytes, from: start, to: bodyStart) {
            var index = field + Self.lengthName.count
            while index < bodyStart, bytes[index] == 32 { index += 1 }
            while index < bodyStart, bytes[index] >= 48, bytes[index] <= 57 {
                length = length * 10 + Int(bytes[index] - 48)
                index += 1
            }
        }
        let end = bodyStart + length
        guard end <= bytes.count else { return nil }
        var sequence: Int?
        if let key = Self.find(Self.sequenceKey, in: bytes, from: bodyStart, to: end) {
            var index = key + Self.sequenceKey.count
            if index < end, bytes[index] == 34 { index += 1 }  // a string parameter: "seq":"N"
            var value = 0
            var digits = 0
            while index < end, bytes[index] >= 48, bytes[index] <= 57 {
                value = value * 10 + Int(bytes[index] - 48)
                index += 1
                digits += 1
            }
            if digits > 0 { sequence = value }
        }
        return (end, sequence)
    }

    private static func find(_ needle: [UInt8], in bytes: [UInt8], from: Int, to: Int) -> Int? {
        var index = from
        while index + needle.count <= to {
            if bytes[index] == needle[0], (1..<needle.count).allSatisfy({ bytes[index + $0] == needle[$0] }) {
                return index
            }
            index += 1
        }
        return nil
    }

    private static func findCaseless(_ needle: [UInt8], in bytes: [UInt8], from: Int, to: Int) -> Int? {
        var index = from
        while index + needle.count <= to {
            if (0..<needle.count).allSatisfy({ bytes[index + $0] | 0x20 == needle[$0] }) { return index }
            index += 1
        }
        return nil
    }
}

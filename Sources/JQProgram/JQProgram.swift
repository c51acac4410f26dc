import CJQ
public import EventModel
import Synchronization

/// A jq program compiled once, run on event data through Debian's libjq.
///
/// libjq has no instruction budget: a program that never ends (`repeat(.)`) blocks its caller. Sensor files are
/// trusted and event data is not, so such a program is the sensor author's error; the output, at least, is bounded
/// by ``maximumOutputBytes``.
public final class JQProgram: Sendable {
    /// The program's source.
    public let source: String
    /// The largest first output accepted, as JSON text.
    public let maximumOutputBytes: Int
    /// Compiled states not in use; a `jq_state` serves one evaluation at a time.
    private let idle: Mutex<[JQState]>

    /// Idle states kept for reuse; more concurrent evaluations compile a state each.
    private static let idleLimit = 4

    /// Compiles a program.
    /// - Parameters:
    ///   - source: the jq program.
    ///   - maximumOutputBytes: the largest first output accepted (1 MiB, the default NATS payload limit).
    /// - Throws: ``JQError/Code/compile`` with jq's messages.
    public init(source: String, maximumOutputBytes: Int = 1 << 20) throws(JQError) {
        self.source = source
        self.maximumOutputBytes = maximumOutputBytes
        idle = Mutex([try JQState(program: source)])
    }

    /// The program's first output on `input`.
    /// - Throws: a ``JQError`` when the program fails, produces nothing or too much.
    public func firstOutput(_ input: EventValue) throws(JQError) -> EventValue {
        let reused = idle.withLock { $0.popLast() }
        let state: JQState
        if let reused { state = reused } else { state = try JQState(program: source) }
        defer {
            idle.withLock { states in
                if states.count < Self.idleLimit { states.append(state) }
            }
        }
        let text = try state.first(JSONCodec.encode(input), maximumOutputBytes: maximumOutputBytes)
        do {
            return try JSONCodec.decode(text)
        } catch {
            throw JQError(code: .runtime, message: "jq output is not JSON the gateway can read: \(error)")
        }
    }
}

/// One compiled `jq_state`, its single owner: `deinit` tears it down.
///
/// `@unchecked Sendable`: libjq's state is not thread-safe, and it is only ever used by the evaluation that took it
/// out of ``JQProgram``'s idle list under its lock; no two threads hold it at once.
final class JQState: @unchecked Sendable {
    private var state: OpaquePointer?

    init(program: String) throws(JQError) {
        guard let state = jq_init() else { throw JQError(code: .compile, message: "could not allocate a jq state") }
        self.state = state
        var error: UnsafeMutablePointer<CChar>?
        guard cjq_compile(state, program, &error) != 0 else {
            let message = error.map { String(cString: $0) } ?? "compile error"
            cjq_free(error)
            throw JQError(code: .compile, message: message)
        }
    }

    deinit { jq_teardown(&state) }

    func first(_ input: [UInt8], maximumOutputBytes: Int) throws(JQError) -> [UInt8] {
        var output: UnsafeMutablePointer<CChar>?
        var length = 0
        let status = input.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) {
                cjq_first(state, $0.baseAddress, $0.count, maximumOutputBytes, &output, &length)
            }
        }
        defer { cjq_free(output) }
        let bytes = output.map { Array(UnsafeRawBufferPointer(start: $0, count: length)) } ?? []
        switch status {
        case CJQ_OUTPUT: return bytes
        case CJQ_EMPTY: throw JQError(code: .empty, message: "jq program produced no output")
        case CJQ_TOO_LARGE:
            throw JQError(code: .outputTooLarge, message: "jq output is larger than \(maximumOutputBytes) bytes")
        case CJQ_INVALID_INPUT:
            throw JQError(
                code: .input, message: "jq could not read the data: \(String(decoding: bytes, as: UTF8.self))")
        default:
            throw JQError(code: .runtime, message: String(decoding: bytes, as: UTF8.self))
        }
    }
}

/// The one disposition a message gets.
enum MessageDisposition: Sendable, Equatable, CustomStringConvertible {
    /// Everything it caused is durable.
    case ack
    /// Redeliver after the delay.
    case nak(Duration)
    /// Never redeliver (it was dead-lettered).
    case term

    var description: String {
        switch self {
        case .ack: "ack"
        case .nak(let delay): "nak(\(delay))"
        case .term: "term"
        }
    }
}

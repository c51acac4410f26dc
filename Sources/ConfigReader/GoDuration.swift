/// Go's `time.Duration` syntax, the one duration grammar of every configuration file: `0`, `500ms`, `30s`, `5m`,
/// `1h30m`, `1.5h`; units `ns`, `us` (`µs`), `ms`, `s`, `m`, `h`. No sign: configuration durations are never negative.
package enum GoDuration {
    /// What a number without a unit means where a Go duration is expected.
    package enum BareNumber: Sendable {
        /// An error (only `0` goes without a unit), as in Go.
        case rejected
        /// Seconds (`10`, `2.5`): `gateway.yaml` took them before Go durations.
        case seconds
        /// Nanoseconds, as an integer: the server's JSON in `specs/jetstream`.
        case nanoseconds
    }

    /// The duration `text` spells, a plain number read as `bareNumber` says.
    package static func parse(_ text: String, bareNumber: BareNumber) -> Duration? {
        if let duration = parse(text) { return duration }
        switch bareNumber {
        case .rejected:
            return nil
        case .seconds:
            guard let seconds = Double(text), seconds.isFinite, seconds >= 0, seconds < 9.2e9 else { return nil }
            return .nanoseconds(Int64((seconds * 1e9).rounded()))
        case .nanoseconds:
            guard let nanoseconds = Int64(text), nanoseconds >= 0 else { return nil }
            return .nanoseconds(nanoseconds)
        }
    }

    /// The duration `text` spells, or nil when it is not a Go duration.
    package static func parse(_ text: String) -> Duration? {
        if text == "0" { return .zero }
        var rest = Substring(text)
        guard !rest.isEmpty else { return nil }
        var total = Duration.zero
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, number != ".", number.filter({ $0 == "." }).count <= 1, let amount = Double(number)
            else { return nil }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            rest = rest.dropFirst(unit.count)
            guard let nanoseconds = unitNanoseconds(unit) else { return nil }
            let value = amount * nanoseconds
            guard value < 9.2e18 else { return nil }
            total += .nanoseconds(Int64(value.rounded()))
        }
        return total
    }

    /// The length of one `unit` in nanoseconds.
    private static func unitNanoseconds(_ unit: Substring) -> Double? {
        switch unit {
        case "ns": 1
        case "us", "µs", "μs": 1e3
        case "ms": 1e6
        case "s": 1e9
        case "m": 60e9
        case "h": 3600e9
        default: nil
        }
    }
}

extension Duration {
    /// The duration in seconds, as a floating-point number (`1.5` for `1500ms`).
    package var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

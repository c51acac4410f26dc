import EventModel

extension TemplateFunctions {
    /// sprig's integer math (arguments converted as `cast.ToInt64` does; overflow wraps, as in Go), `floor`, `ceil`,
    /// `round` on floats, and the conversions.
    static let math: [String: TemplateFunction] = [
        "add": { arguments throws(CallError) in .int(arguments.reduce(0) { $0 &+ integer($1) }) },
        "add1": unary { .int(integer($0) &+ 1) },
        "sub": integers(2...2) { $0[0] &- $0[1] },
        "mul": { arguments throws(CallError) in
            try atLeast(arguments, 1)
            return .int(arguments.reduce(1) { $0 &* integer($1) })
        },
        "div": integers(2...2) { numbers throws(CallError) in
            guard numbers[1] != 0 else { throw CallError("integer divide by zero") }
            return numbers[0].dividedReportingOverflow(by: numbers[1]).partialValue
        },
        "mod": integers(2...2) { numbers throws(CallError) in
            guard numbers[1] != 0 else { throw CallError("integer divide by zero") }
            return numbers[0].remainderReportingOverflow(dividingBy: numbers[1]).partialValue
        },
        "max": integers(1...Int.max) { $0.max() ?? 0 },
        "min": integers(1...Int.max) { $0.min() ?? 0 },
        "floor": unary { .value(.double(float($0).rounded(.down))) },
        "ceil": unary { .value(.double(float($0).rounded(.up))) },
        "round": { arguments throws(CallError) in
            guard (2...3).contains(arguments.count) else {
                throw CallError("wrong number of args: want 2 or 3 got \(arguments.count)")
            }
            let places = Double(max(-20, min(20, integer(arguments[1]))))
            let half = arguments.count == 3 ? float(arguments[2]) : 0.5
            let scale = pow10(places)
            let scaled = float(arguments[0]) * scale
            let whole = scaled.rounded(.towardZero)
            let rounded = abs(scaled - whole) >= half ? whole + (scaled < 0 ? -1 : 1) : whole
            return .value(.double(rounded / scale))
        },
        "int": unary { .int(integer($0)) },
        "int64": unary { .int(integer($0)) },
        "float64": unary { .value(.double(float($0))) },
        "atoi": unary { .int(Int64($0.text) ?? 0) },
    ]

    /// A function of integers, taking `count` arguments.
    private static func integers(
        _ count: ClosedRange<Int>, _ body: @escaping @Sendable ([Int64]) throws(CallError) -> Int64
    ) -> TemplateFunction {
        { arguments throws(CallError) in
            guard count.contains(arguments.count) else {
                throw CallError("wrong number of args: want \(count.lowerBound) got \(arguments.count)")
            }
            return .int(try body(arguments.map(integer)))
        }
    }

    private static func pow10(_ exponent: Double) -> Double {
        var result = 1.0
        for _ in 0..<Int(abs(exponent)) { result *= 10 }
        return exponent < 0 ? 1 / result : result
    }
}

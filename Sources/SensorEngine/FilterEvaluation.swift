import ConfigReader
public import EventModel
import SensorLanguage
public import SensorModel

/// The outcome of one filter on one event, as `explain` shows it.
public struct FilterCheck: Sendable, Hashable {
    /// `transform`, `exprs`, `data`, `context`, `time` or `script`.
    public var kind: String
    /// The filter, described (`body.x number > [3]`).
    public var filter: String
    /// Whether it passed.
    public var passed: Bool
    /// The value the filter saw (the path's value, the fields, the attributes or the time), `nil` if none.
    public var observed: EventValue?
    /// The error, if the filter could not be evaluated.
    public var error: String?
}

/// The outcome of a dependency's filters on one event.
public struct FilterVerdict: Sendable, Hashable {
    /// Whether the event passes (in `or` mode, a pass may come with errors, as in Argo Events).
    public var passed: Bool
    /// Errors met on the way, joined as Argo Events joins them.
    public var errors: [String]
    /// The transform, then each filter evaluated, in Argo Events' order (exprs, data, context, time, script).
    public var checks: [FilterCheck]
    /// Which filters were evaluated and which passed, recorded also when `checks` is not.
    public var positions = FilterPositions()
}

extension DependencyFilters {
    /// Applies the filters to an event with Argo Events' semantics (`pkg/sensors/dependencies/filter.go`).
    /// - Parameters:
    ///   - event: the event.
    ///   - operation: the dependency's `filtersLogicalOperator`.
    ///   - recordChecks: whether to describe each filter in ``FilterVerdict/checks`` (for `explain`; the daemon's
    ///     hot path leaves it off).
    public func evaluate(_ event: Event, operation: LogicalOperator, recordChecks: Bool = true) -> FilterVerdict {
        var checks: [FilterCheck] = []
        var errors: [String] = []
        var positions = FilterPositions()
        // The kinds' results combined as they come: `and` needs all of them, `or` any (none present: `and` passes).
        var allPassed = true
        var anyPassed = false
        func combine(_ passed: Bool) {
            allPassed = allPassed && passed
            anyPassed = anyPassed || passed
        }
        let payload = event.payload
        var position = 0
        if let exprs {
            let (passed, error) = evaluateExprs(
                exprs, payload: payload, record: recordChecks, checks: &checks, positions: &positions, from: position)
            if let error {
                if operation == .and {
                    return FilterVerdict(passed: false, errors: [error], checks: checks, positions: positions)
                }
                errors.append(error)
            }
            combine(passed)
            position += exprs.count
        }
        if let data {
            let (passed, error) = evaluateData(
                data, payload: payload, record: recordChecks, checks: &checks, positions: &positions, from: position)
            if let error {
                if operation == .and {
                    return FilterVerdict(passed: false, errors: [error], checks: checks, positions: positions)
                }
                errors.append(error)
            }
            combine(passed)
            position += data.count
        }
        if let context {
            let outcome = context.outcome(event, record: recordChecks)
            if recordChecks { checks.append(context.check(outcome)) }
            positions.note(position, passed: outcome.passed)
            combine(outcome.passed)
            position += 1
        }
        if let time {
            let check = time.outcome(event)
            if recordChecks { checks.append(time.check(check)) }
            positions.note(position, passed: check.passed && check.error == nil)
            if let error = check.error {
                if operation == .and {
                    return FilterVerdict(passed: false, errors: [error], checks: checks, positions: positions)
                }
                errors.append(error)
            }
            combine(check.passed)
            position += 1
        }
        if let script {
            let (passed, error) = evaluateScript(
                script, payload: payload, record: recordChecks, checks: &checks, positions: &positions, at: position)
            // A script error fails the dependency in either mode, as in Argo Events.
            if let error {
                return FilterVerdict(passed: false, errors: errors + [error], checks: checks, positions: positions)
            }
            combine(passed)
        }
        return FilterVerdict(
            passed: operation == .and ? allPassed : anyPassed, errors: errors, checks: checks, positions: positions)
    }

    private func evaluateScript(
        _ script: any EventPredicate, payload: EventPayload, record: Bool, checks: inout [FilterCheck],
        positions: inout FilterPositions, at position: Int
    ) -> (Bool, String?) {
        var outcome = FilterOutcome()
        switch payload {
        case .absent: return (true, nil)
        case .opaque: outcome.error = "event data not valid JSON"
        case .structured(let value):
            if case .map(let data) = value {
                do throws(ProgramError) {
                    outcome.passed = try script.passes(data)
                } catch {
                    outcome.error = error.message
                }
            } else {
                outcome.error = "event data is not a JSON object"
            }
        }
        positions.note(position, passed: outcome.passed && outcome.error == nil)
        if record {
            checks.append(
                FilterCheck(
                    kind: "script", filter: script.source, passed: outcome.passed, observed: nil, error: outcome.error))
        }
        return (outcome.passed, outcome.error.map { "script filter error (\($0))" })
    }

    /// The data filters' verdict; a payload that is not JSON fails the first of them.
    private func evaluateData(
        _ filters: [DataFilter], payload: EventPayload, record: Bool, checks: inout [FilterCheck],
        positions: inout FilterPositions, from base: Int
    ) -> (Bool, String?) {
        let data: EventValue
        switch payload {
        case .absent: return (true, nil)
        case .opaque:
            checks.append(
                FilterCheck(
                    kind: "data", filter: "data", passed: false, observed: nil, error: "event data not valid JSON"))
            positions.note(base, passed: false)
            return (false, "data filter error (event data not valid JSON)")
        case .structured(let value): data = value
        }
        var errors: [String] = []
        var allPassed = true
        for (offset, filter) in filters.enumerated() {
            let check = filter.outcome(data, record: record)
            if record { checks.append(filter.check(check)) }
            positions.note(base + offset, passed: check.passed && check.error == nil)
            if let error = check.error {
                if dataLogicalOperator == .and { return (false, "data filter error (\(error))") }
                errors.append(error)
                continue
            }
            if dataLogicalOperator == .or && check.passed { return (true, nil) }
            if !check.passed {
                allPassed = false
                if dataLogicalOperator == .and { return (false, nil) }
            }
        }
        if dataLogicalOperator == .or {
            return (false, errors.isEmpty ? nil : "data filter errors [\(errors.joined(separator: ", "))]")
        }
        return (allPassed, nil)
    }

    /// The expr filters' verdict; a payload that is not JSON fails the first of them.
    private func evaluateExprs(
        _ filters: [ExprFilter], payload: EventPayload, record: Bool, checks: inout [FilterCheck],
        positions: inout FilterPositions, from base: Int
    ) -> (Bool, String?) {
        let data: EventValue
        switch payload {
        case .absent: return (true, nil)
        case .opaque:
            checks.append(
                FilterCheck(
                    kind: "exprs", filter: "exprs", passed: false, observed: nil, error: "event data not valid JSON"))
            positions.note(base, passed: false)
            return (false, "expr filter error (event data not valid JSON)")
        case .structured(let value): data = value
        }
        var errors: [String] = []
        for (offset, filter) in filters.enumerated() {
            let check = filter.outcome(data, record: record)
            if record { checks.append(filter.check(check)) }
            positions.note(base + offset, passed: check.passed && check.error == nil)
            if let error = check.error {
                if exprLogicalOperator == .and { return (false, "expr filter error (\(error))") }
                errors.append(error)
                continue
            }
            if exprLogicalOperator == .and && !check.passed { return (false, nil) }
            if exprLogicalOperator == .or && check.passed { return (true, nil) }
        }
        if exprLogicalOperator == .or {
            return (false, errors.isEmpty ? nil : "expr filter errors [\(errors.joined(separator: ", "))]")
        }
        return (true, nil)
    }
}

/// The result of one filter before it is described for `explain`.
struct FilterOutcome {
    var passed = false
    var observed: EventValue?
    var error: String?
}

extension DataFilter {
    /// Applies this filter to event data.
    public func evaluate(_ data: EventValue) -> FilterCheck {
        check(outcome(data, record: true))
    }

    /// Whether this filter passes event data (a filter that cannot be evaluated does not pass); the hot-path form
    /// of ``evaluate(_:)``, which also describes the filter.
    public func passes(_ data: EventValue) -> Bool {
        let result = outcome(data, record: false)
        return result.passed && result.error == nil
    }

    func check(_ outcome: FilterOutcome) -> FilterCheck {
        FilterCheck(
            kind: "data", filter: summary, passed: outcome.passed, observed: outcome.observed, error: outcome.error)
    }

    func outcome(_ data: EventValue, record: Bool) -> FilterOutcome {
        var outcome = FilterOutcome()
        guard var value = path.value(in: data) else {
            outcome.error = "path '\(path.text)' does not exist"
            return outcome
        }
        if record { outcome.observed = value }
        if let template {
            do {
                let output = try template.render(input: .string(value.gjsonString))
                guard !output.isEmpty, output != "<no value>" else {
                    outcome.error = "template evaluated to an empty value"
                    return outcome
                }
                value = .string(output)
                if record { outcome.observed = value }
            } catch {
                outcome.error = error.description
                return outcome
            }
        }
        switch type {
        case .bool:
            outcome.passed = booleans.contains(value.gjsonBool)
        case .number:
            let actual = value.gjsonFloat
            outcome.passed = numbers.contains { expected in
                switch comparator {
                case .equal: actual == expected
                case .notEqual: actual != expected
                case .less: actual < expected
                case .lessOrEqual: actual <= expected
                case .greater: actual > expected
                case .greaterOrEqual: actual >= expected
                }
            }
        case .string:
            let text = value.gjsonString
            outcome.passed = patterns.contains { pattern in
                switch comparator {
                case .equal: pattern.matches(text)
                case .notEqual: !pattern.matches(text)
                default: false
                }
            }
        }
        return outcome
    }
}

extension ExprFilter {
    /// Applies this filter to event data.
    public func evaluate(_ data: EventValue) -> FilterCheck {
        check(outcome(data, record: true))
    }

    func check(_ outcome: FilterOutcome) -> FilterCheck {
        FilterCheck(
            kind: "exprs", filter: source, passed: outcome.passed, observed: outcome.observed, error: outcome.error)
    }

    func outcome(_ data: EventValue, record: Bool) -> FilterOutcome {
        var outcome = FilterOutcome()
        var parameters: [String: ExprValue] = [:]
        var observed = EventMap()
        for field in fields {
            guard let value = field.path.value(in: data) else {
                if record { outcome.observed = .map(observed) }
                outcome.error = "path '\(field.path.text)' does not exist"
                return outcome
            }
            if record { observed[field.name] = value }
            parameters[field.name] = ExprValue(value)
        }
        if record { outcome.observed = .map(observed) }
        let evaluator = ExprEvaluator(parameters: parameters, patterns: patterns, dynamicPatterns: dynamicPatterns)
        do {
            let result = try evaluator.evaluate(expression)
            guard case .bool(let passed) = result else {
                outcome.error = "expression '\(source)' gave \(result.typeName), not a boolean"
                return outcome
            }
            outcome.passed = passed
        } catch {
            outcome.error = "\(error)"
        }
        return outcome
    }
}

extension ContextFilter {
    /// Compares the non-empty fields with the event's attributes, by exact string equality.
    public func evaluate(_ event: Event) -> FilterCheck {
        check(outcome(event, record: true))
    }

    private var comparisons: [(name: String, expected: String?, actual: (Event) -> String?)] {
        [
            ("type", type, { $0.type }), ("subject", subject, { $0.subject }), ("source", source, { $0.source }),
            ("datacontenttype", dataContentType, { $0.dataContentType }),
        ]
    }

    func outcome(_ event: Event, record: Bool) -> FilterOutcome {
        var outcome = FilterOutcome()
        outcome.passed =
            (type == nil || type == event.type) && (subject == nil || subject == event.subject)
            && (source == nil || source == event.source)
            && (dataContentType == nil || dataContentType == event.dataContentType)
        if record {
            var observed = EventMap()
            for comparison in comparisons where comparison.expected != nil {
                observed[comparison.name] = comparison.actual(event).map(EventValue.string) ?? .null
            }
            outcome.observed = .map(observed)
        }
        return outcome
    }

    func check(_ outcome: FilterOutcome) -> FilterCheck {
        FilterCheck(kind: "context", filter: summary, passed: outcome.passed, observed: outcome.observed, error: nil)
    }
}

extension TimeFilter {
    /// Passes when the event's `time`, in the filter's zone, falls in the window.
    public func evaluate(_ event: Event) -> FilterCheck {
        check(outcome(event))
    }

    func outcome(_ event: Event) -> FilterOutcome {
        var outcome = FilterOutcome()
        guard let time = event.time else {
            outcome.error = "time filter error (event has no time)"
            return outcome
        }
        let second = time.secondOfDay(in: zone)
        let startSecond = start.secondsSinceMidnight
        let stopSecond = stop.secondsSinceMidnight
        outcome.passed =
            startSecond < stopSecond
            ? (startSecond <= second && second < stopSecond)
            : (second >= startSecond || second < stopSecond)
        outcome.observed = .timestamp(time)
        return outcome
    }

    func check(_ outcome: FilterOutcome) -> FilterCheck {
        FilterCheck(
            kind: "time", filter: summary, passed: outcome.passed, observed: outcome.observed,
            error: outcome.error)
    }
}

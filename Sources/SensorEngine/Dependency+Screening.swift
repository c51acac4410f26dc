public import EventModel
public import SensorLanguage
public import SensorModel

extension Dependency {
    /// The event as this dependency sees it: its `transform` applied (the data replaced by the result and
    /// `datacontenttype` set to `application/json`), or the event itself when it has none.
    /// - Throws: ``ProgramError`` when the transform fails or the data is not a JSON object; the event is then
    ///   dropped for this dependency.
    public func transformed(_ event: Event) throws(ProgramError) -> Event {
        guard let transform else { return event }
        let data: EventMap
        switch event.payload {
        case .absent: throw ProgramError("event has no data")
        case .opaque: throw ProgramError("event data not valid JSON")
        case .structured(let value):
            guard case .map(let map) = value else { throw ProgramError("event data is not a JSON object") }
            data = map
        }
        var result = event
        result.data = try transform.transform(data)
        result.dataContentType = "application/json"
        return result
    }

    /// Applies the transform, then the filters (a transform error fails the dependency, as a filter error does).
    /// - Parameter recordChecks: whether to describe the transform and each filter (for `explain`).
    /// - Returns: the event the filters saw (and the triggers receive) and the verdict.
    public func screen(_ event: Event, recordChecks: Bool = true) -> (event: Event, verdict: FilterVerdict) {
        var screened = event
        var transformCheck: [FilterCheck] = []
        if let transform {
            do throws(ProgramError) {
                screened = try transformed(event)
                if recordChecks {
                    transformCheck.append(
                        FilterCheck(
                            kind: "transform", filter: transform.summary, passed: true,
                            observed: screened.data, error: nil))
                }
            } catch {
                let check = FilterCheck(
                    kind: "transform", filter: transform.summary, passed: false, observed: nil,
                    error: error.message)
                return (
                    event,
                    FilterVerdict(
                        passed: false, errors: ["transform error (\(error.message))"],
                        checks: recordChecks ? [check] : [],
                        positions: FilterPositions().shifted(transformPassed: false))
                )
            }
        }
        guard let filters else {
            let positions = transform == nil ? FilterPositions() : FilterPositions().shifted(transformPassed: true)
            return (screened, FilterVerdict(passed: true, errors: [], checks: transformCheck, positions: positions))
        }
        var verdict = filters.evaluate(screened, operation: filtersLogicalOperator, recordChecks: recordChecks)
        verdict.checks = transformCheck + verdict.checks
        if transform != nil { verdict.positions = verdict.positions.shifted(transformPassed: true) }
        return (screened, verdict)
    }
}

import HTTPTransport

/// The floor of the trigger rows: the gateway's own `HTTPClient` (libcurl, keep-alive) sending what the triggers
/// send, in this process, against the same sink, with a fixed number of requests in flight.
enum BareClient {
    /// Sends `total` `POST {"seq":N}` requests (each after a `GET` when `lookUpFirst`, as a claimed KFP firing
    /// looks its run up before creating it), `inFlight` at a time, busy for `work` after each response.
    /// - Returns: requests per second, the sink's first to last request.
    static func run(
        sink: RecordingSink, total: Int, inFlight: Int, lookUpFirst: Bool = false, work: Duration = .zero
    ) async throws -> Double {
        let requests = lookUpFirst ? 2 * total : total
        sink.reset(capacity: total)
        let client = try HTTPClient()
        let base = "http://127.0.0.1:\(sink.port)"
        let lookUp = HTTPRequest(url: base + "/apis/v2beta1/runs?filter=bare")
        await withTaskGroup(of: Void.self) { group in
            for sequence in 0..<total {
                if sequence >= inFlight { await group.next() }
                group.addTask {
                    if lookUpFirst { _ = try? await client.execute(lookUp) }
                    let request = HTTPRequest(
                        method: "POST", url: lookUpFirst ? base + "/apis/v2beta1/runs" : sink.url,
                        headers: [("Content-Type", "application/json")], body: Array(#"{"seq":\#(sequence)}"#.utf8))
                    _ = try? await client.execute(request)
                    if work > .zero {
                        let end = ContinuousClock.now.advanced(by: work)
                        while ContinuousClock.now < end {}
                    }
                }
            }
        }
        await client.shutdown()
        let (first, last, received) = sink.snapshot { ($0.first, $0.last, $0.count) }
        guard received >= requests else {
            throw BenchmarkFailure(description: "the bare client got \(received) of \(requests) answers")
        }
        return rate(requests - 1, (last ?? .now) - (first ?? .now))
    }
}

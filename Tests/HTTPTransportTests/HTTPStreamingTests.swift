import Foundation
import HTTPTransport
import LoopbackTesting
import Testing

@Suite("Streamed responses", .timeLimit(.minutes(3)))
struct HTTPStreamingTests {
    /// The lines of a streamed body.
    static func lines(_ body: AsyncThrowingStream<[UInt8], any Error>) async throws -> [String] {
        var bytes: [UInt8] = []
        for try await chunk in body { bytes += chunk }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// How many `/stream` responses the server is sending, once that number is `expected` (or after 10 s).
    static func openStreams(_ server: HTTPTestServer, client: HTTPClient, settlingAt expected: Int) async throws -> Int
    {
        var open = -1
        for _ in 0..<100 {
            let stats = try await client.execute(HTTPRequest(url: server.url("/stats")))
            let json = try JSONSerialization.jsonObject(with: Data(stats.body)) as? [String: Any]
            open = json?["open_streams"] as? Int ?? -1
            if open == expected { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        return open
    }

    /// Reads one chunk, then lets go of the stream.
    static func firstChunk(_ response: HTTPStreamingResponse) async throws -> String {
        for try await chunk in response.body { return String(decoding: chunk, as: UTF8.self) }
        return ""
    }

    @Test("the head arrives first, then the body chunk by chunk until the server ends it; any status is a response")
    func wholeStream() async throws {
        let server = try HTTPTestServer()
        let client = try HTTPClient()
        let response = try await client.stream(HTTPRequest(url: server.url("/stream/5")))
        #expect(response.status == 200)
        #expect(response.header("transfer-encoding") == "chunked")
        #expect(try await Self.lines(response.body) == (0..<5).map { "chunk \($0)" })
        let missing = try await client.stream(HTTPRequest(url: server.url("/status/404")))
        #expect(missing.status == 404)
        #expect(try await Self.lines(missing.body) == ["status 404"])
        await client.shutdown()
    }

    @Test("a consumer that lets go of the body ends the exchange; so does cancelling the task that reads it")
    func cancellation() async throws {
        let server = try HTTPTestServer()
        let client = try HTTPClient()
        #expect(
            try await Self.firstChunk(client.stream(HTTPRequest(url: server.url("/stream/0")))).hasPrefix("chunk 0"))
        #expect(try await Self.openStreams(server, client: client, settlingAt: 0) == 0)

        let reader = try await client.stream(HTTPRequest(url: server.url("/stream/0")))
        #expect(try await Self.openStreams(server, client: client, settlingAt: 1) == 1)
        let chunks = try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask {
                var count = 0
                // Cancelled, the stream either ends or throws `cancelled`, depending on where the reader was.
                do {
                    for try await _ in reader.body { count += 1 }
                } catch let error as HTTPTransportError where error.kind == .cancelled {}
                return count
            }
            try await Task.sleep(for: .milliseconds(200))
            group.cancelAll()
            return try await group.next() ?? 0
        }
        #expect(chunks > 0)
        #expect(try await Self.openStreams(server, client: client, settlingAt: 0) == 0)
        // The client goes on working.
        let after = try await client.execute(HTTPRequest(url: server.url("/status/204")))
        #expect(after.status == 204)
        await client.shutdown()
    }

    @Test("a stream cut by the client's shutdown throws shutdown")
    func shutdownDuringStream() async throws {
        let server = try HTTPTestServer()
        let client = try HTTPClient()
        let response = try await client.stream(HTTPRequest(url: server.url("/stream/0")))
        var iterator = response.body.makeAsyncIterator()
        _ = try await iterator.next()
        await client.shutdown()
        do {
            while try await iterator.next() != nil {}
            Issue.record("the stream ended without an error")
        } catch let error as HTTPTransportError {
            #expect(error.kind == .shutdown)
        }
    }
}

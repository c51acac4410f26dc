import Foundation
import HTTPTransport
import LoopbackTesting
import Testing

@Suite("HTTP client over libcurl", .timeLimit(.minutes(2)))
struct HTTPClientTests {
    /// The JSON the echo endpoint answers with.
    struct Echo: Decodable {
        let method: String
        let path: String
        let headers: [String: String]
        let body: String
        let clientPort: Int

        enum CodingKeys: String, CodingKey {
            case method, path, headers, body
            case clientPort = "client_port"
        }
    }

    func echo(_ response: HTTPResponse) throws -> Echo {
        try JSONDecoder().decode(Echo.self, from: Data(response.body))
    }

    @Test("methods, headers and bodies reach the server; the response carries status, headers and body")
    func exchange() async throws {
        let server = try HTTPTestServer()
        let client = try HTTPClient()
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            let body = method == "GET" ? [] : Array(#"{"method":"\#(method)"}"#.utf8)
            let response = try await client.execute(
                HTTPRequest(
                    method: method, url: server.url("/echo?x=1"),
                    headers: [("Content-Type", "application/json"), ("X-Trace", "t-1")],
                    body: body))
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "application/json")
            let seen = try echo(response)
            #expect(seen.method == method)
            #expect(seen.path == "/echo?x=1")
            #expect(seen.headers["x-trace"] == "t-1")
            #expect(seen.headers["user-agent"] == "sensor-gateway")
            #expect(seen.body == String(decoding: body, as: UTF8.self))
        }
        let head = try await client.execute(HTTPRequest(method: "HEAD", url: server.url("/echo")))
        #expect(head.status == 200 && head.body.isEmpty)
        await client.shutdown()
    }

    @Test("an error status is a response, not a failure", arguments: [400, 401, 404, 409, 429, 500, 503])
    func errorStatus(status: Int) async throws {
        let server = try HTTPTestServer()
        let client = try HTTPClient()
        let response = try await client.execute(HTTPRequest(url: server.url("/status/\(status)")))
        #expect(response.status == status)
        #expect(String(decoding: response.body, as: UTF8.self) == "status \(status)")
        await client.shutdown()
    }

    @Test("sequential requests reuse one kept-alive connection")
    func keepAlive() async throws {
        let server = try HTTPTestServer()
        let client = try HTTPClient()
        var ports = Set<Int>()
        for index in 0..<20 {
            let response = try await client.execute(
                HTTPRequest(method: "POST", url: server.url("/echo"), body: Array("\(index)".utf8)))
            ports.insert(try echo(response).clientPort)
        }
        #expect(ports.count == 1, "20 requests used \(ports.count) connections")
        await client.shutdown()
    }

    @Test("the client's libcurl thread is named, as top -H shows it")
    func threadName() async throws {
        let threadNames = {
            ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []).compactMap { task in
                (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8))?
                    .trimmingCharacters(in: .newlines)
            }
        }
        let server = try HTTPTestServer()
        let client = try HTTPClient()
        // Answered: the thread has started and named itself.
        #expect(try await client.execute(HTTPRequest(url: server.url("/status/204"))).status == 204)
        #expect(threadNames().contains(HTTPClient.threadName), "threads: \(threadNames())")
        await client.shutdown()
    }

    @Test("many requests are in flight at once")
    func concurrency() async throws {
        let server = try HTTPTestServer()
        let client = try HTTPClient()
        // 32 requests that each hold the server for 500 ms; the server counts how many it held at once.
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<32 {
                group.addTask { try await client.execute(HTTPRequest(url: server.url("/slow/500"))).status }
            }
            for try await status in group { #expect(status == 200) }
        }
        let stats = try await client.execute(HTTPRequest(url: server.url("/stats")))
        let peak = try JSONDecoder().decode([String: Int].self, from: Data(stats.body))["max_in_flight"] ?? 0
        #expect(peak >= 8, "at most \(peak) of 32 slow requests were in flight at once")
        await client.shutdown()
    }

    @Test("a request that outlives its timeout fails as a timeout, and others keep flowing")
    func timeout() async throws {
        let server = try HTTPTestServer()
        let client = try HTTPClient()
        async let slow = client.execute(HTTPRequest(url: server.url("/slow/10000"), timeout: .milliseconds(300)))
        let quick = try await client.execute(HTTPRequest(url: server.url("/status/204")))
        #expect(quick.status == 204)
        do {
            _ = try await slow
            Issue.record("the slow request did not time out")
        } catch let error as HTTPTransportError {
            #expect(error.kind == .timeout)
            #expect(error.isRetryable)
        }
        await client.shutdown()
    }

    @Test("a refused connection fails as connect, naming the URL without its query and never a header")
    func refused() async throws {
        let port = try HTTPTestServer().port  // the server stops when released: nothing listens there any more
        let client = try HTTPClient()
        do {
            _ = try await client.execute(
                HTTPRequest(
                    url: "http://user:hunter2@127.0.0.1:\(port)/api?token=s3cret",
                    headers: [("Authorization", "Bearer s3cret-token")]))
            Issue.record("the request succeeded")
        } catch {
            #expect(error.kind == .connect)
            #expect(error.url == "http://127.0.0.1:\(port)/api")
            for secret in ["s3cret", "hunter2"] { #expect(!error.description.contains(secret)) }
        }
        await client.shutdown()
    }

    @Test("TLS: an untrusted certificate is refused; its CA or an explicit skip makes it work")
    func tls() async throws {
        let certificate = try SelfSignedCertificate()
        defer { certificate.remove() }
        let server = try HTTPTestServer(tls: certificate)
        let strict = try HTTPClient()
        do {
            _ = try await strict.execute(HTTPRequest(url: server.url("/echo")))
            Issue.record("a self-signed certificate was trusted")
        } catch {
            #expect(error.kind == .tls)
        }
        await strict.shutdown()
        let trusting = try HTTPClient(configuration: .init(tls: .init(caFile: certificate.certificate)))
        #expect(try await trusting.execute(HTTPRequest(url: server.url("/echo", host: "localhost"))).status == 200)
        await trusting.shutdown()
        let skipping = try HTTPClient(configuration: .init(tls: .init(insecureSkipVerify: true)))
        #expect(try await skipping.execute(HTTPRequest(url: server.url("/echo"))).status == 200)
        await skipping.shutdown()
    }

    @Test("TLS to a plain HTTP server fails clearly instead of hanging")
    func tlsToPlainServer() async throws {
        let server = try HTTPTestServer()
        let client = try HTTPClient(configuration: .init(requestTimeout: .seconds(5)))
        do {
            _ = try await client.execute(HTTPRequest(url: "https://127.0.0.1:\(server.port)/echo"))
            Issue.record("the request succeeded")
        } catch {
            #expect(error.kind == .tls)
        }
        await client.shutdown()
    }

    @Test("shutdown fails requests in flight, and later ones at once")
    func shutdown() async throws {
        let server = try HTTPTestServer()
        let client = try HTTPClient()
        async let pending = client.execute(HTTPRequest(url: server.url("/slow/10000")))
        try await Task.sleep(for: .milliseconds(200))
        await client.shutdown()
        do {
            _ = try await pending
            Issue.record("the pending request succeeded")
        } catch let error as HTTPTransportError {
            #expect(error.kind == .shutdown)
            #expect(!error.isRetryable)
        }
        do {
            _ = try await client.execute(HTTPRequest(url: server.url("/echo")))
            Issue.record("a request after shutdown succeeded")
        } catch {
            #expect(error.kind == .shutdown)
        }
    }

    @Test("a malformed URL is an invalid request")
    func malformed() async throws {
        let client = try HTTPClient()
        do {
            _ = try await client.execute(HTTPRequest(url: "gopher-nope://x"))
            Issue.record("the request succeeded")
        } catch {
            #expect(error.kind == .invalidRequest)
        }
        await client.shutdown()
    }
}

@Suite("Bearer tokens")
struct BearerTokenTests {
    @Test("a token file is re-read when it changes, and never shows in descriptions or errors")
    func rotation() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sg-token-\(UUID().uuidString)").path
        try "first-secret-token\n".write(toFile: path, atomically: true, encoding: .utf8)
        let token = BearerToken(.file(path))
        #expect(try token.current() == "first-secret-token")
        #expect(try token.authorizationHeader() == ("Authorization", "Bearer first-secret-token"))
        // Kubernetes swaps the file; a new size or modification time makes us read it again.
        try "second-secret-token-rotated".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try token.current() == "second-secret-token-rotated")
        #expect(!token.description.contains("secret"))
        try "   \n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: BearerToken.ReadError.self) { try token.current() }
        try FileManager.default.removeItem(atPath: path)
        do {
            _ = try token.current()
            Issue.record("a missing file gave a token")
        } catch {
            #expect(error.path == path)
            #expect(!error.description.contains("secret"))
        }
        #expect(try BearerToken(.value("env-secret")).current() == "env-secret")
        #expect(!BearerToken(.value("env-secret")).description.contains("env-secret"))
    }
}

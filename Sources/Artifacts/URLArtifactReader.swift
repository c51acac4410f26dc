import HTTPTransport

/// `source.url`: a GET at each firing. 200 is the resource; 5xx and 429 are retryable, any other status permanent.
struct URLArtifactReader: Sendable {
    /// The client of verified requests; `verifyCert: false` gets a client of its own for the one request.
    let client: HTTPClient

    func read(url: String, verifyCertificate: Bool) async throws(ArtifactError) -> String {
        let request = HTTPRequest(url: url)
        let source = "url \(request.redactedURL)"
        let response: HTTPResponse
        if verifyCertificate {
            response = try await Self.execute(request, with: client, source: source)
        } else {
            let insecure: HTTPClient
            do { insecure = try HTTPClient(configuration: .init(tls: .init(insecureSkipVerify: true))) } catch {
                throw ArtifactError(.configuration, source: source, error.description)
            }
            let result: Result<HTTPResponse, ArtifactError>
            do { result = .success(try await Self.execute(request, with: insecure, source: source)) } catch {
                result = .failure(error)
            }
            await insecure.shutdown()
            response = try result.get()
        }
        guard response.status == 200 else {
            throw ArtifactError(
                response.status == 404 ? .notFound : response.status == 403 ? .denied : .unavailable, source: source,
                "answered \(response.status)", retryable: Self.isRetryable(status: response.status))
        }
        return String(decoding: response.body, as: UTF8.self)
    }

    /// Sends `request`; a failure without an answer is retryable when the transport says so.
    static func execute(_ request: HTTPRequest, with client: HTTPClient, source: String) async throws(ArtifactError)
        -> HTTPResponse
    {
        do { return try await client.execute(request) } catch {
            throw ArtifactError(.unavailable, source: source, error.description, retryable: error.isRetryable)
        }
    }

    /// 5xx and 429: the server may answer later.
    static func isRetryable(status: Int) -> Bool { status >= 500 || status == 429 }
}

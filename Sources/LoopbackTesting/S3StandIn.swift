import Foundation

/// An S3-compatible store on a loopback port for one test: moto's server (`Scripts/s3_test_server.py`) with
/// signature checks on, holding the given objects. The keys that may read them are written as a mounted Secret
/// would be: `<secretsDirectory>/<secretName>/accesskey` and `…/secretkey`.
public final class S3StandIn: Sendable {
    private let server: LoopbackServer

    /// `127.0.0.1:<port>`: an S3 `endpoint` (plain HTTP, so `insecure: true`).
    public var endpoint: String { "127.0.0.1:\(server.port)" }

    /// Starts the store with `objects` in their buckets.
    /// - Throws: ``LoopbackTestingError`` when it does not start (moto missing: `make deps`).
    public init(
        secretsDirectory: String, secretName: String, objects: [(bucket: String, key: String, content: String)]
    ) throws {
        var arguments = ["--secrets", secretsDirectory, "--secret", secretName]
        for object in objects {
            arguments += ["--object", object.bucket, object.key, Data(object.content.utf8).base64EncodedString()]
        }
        server = try LoopbackServer(script: "s3_test_server.py", arguments: arguments)
    }
}

import Foundation
import HTTPTransport
import SensorModel

/// `source.s3`: a GET of the object's path-style URL (`http(s)://<endpoint>/<bucket>/<key>`), signed with AWS
/// Signature Version 4 by libcurl when `accessKey` and `secretKey` are set (the keys are read at each firing, so a
/// rotated Secret is picked up).
///
/// 404 (`NoSuchKey`, `NoSuchBucket`) and 403 (bad keys, no permission) are permanent; 5xx, 429 and transport
/// failures retryable.
struct S3ArtifactReader: Sendable {
    let client: HTTPClient
    let secrets: SecretFiles

    /// SHA-256 of an empty body: the `x-amz-content-sha256` S3 wants on a signed GET.
    static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    func read(_ artifact: S3Artifact) async throws(ArtifactError) -> String {
        let url = artifact.objectURL
        let source = "s3 \(HTTPRequest(url: url).redactedURL)"
        var request = HTTPRequest(url: url, headers: [("x-amz-content-sha256", Self.emptyPayloadHash)])
        if let accessKey = artifact.accessKey, let secretKey = artifact.secretKey {
            request.awsSignature = AWSSignature(
                region: artifact.region, accessKey: try secrets.value(of: accessKey, for: source),
                secretKey: try secrets.value(of: secretKey, for: source))
        }
        let response = try await URLArtifactReader.execute(request, with: client, source: source)
        guard response.status == 200 else {
            let code = Self.errorCode(in: response.body).map { " (\($0))" } ?? ""
            let kind: ArtifactError.Kind
            var message = "answered \(response.status)\(code)"
            switch response.status {
            case 404: kind = .notFound
            case 403:
                kind = .denied
                message += ": check accessKey, secretKey and the bucket's policy"
            default: kind = URLArtifactReader.isRetryable(status: response.status) ? .unavailable : .invalid
            }
            throw ArtifactError(
                kind, source: source, message, retryable: URLArtifactReader.isRetryable(status: response.status))
        }
        return String(decoding: response.body, as: UTF8.self)
    }

    /// The `<Code>` of an S3 error document (`NoSuchKey`, `AccessDenied`, `SignatureDoesNotMatch`, …), if any.
    static func errorCode(in body: [UInt8]) -> String? {
        let text = String(decoding: body.prefix(4096), as: UTF8.self)
        guard let start = text.range(of: "<Code>"),
            let end = text.range(of: "</Code>", range: start.upperBound..<text.endIndex)
        else { return nil }
        let code = text[start.upperBound..<end.lowerBound]
        guard !code.isEmpty, code.count <= 64, code.allSatisfy({ $0.isLetter || $0.isNumber }) else { return nil }
        return String(code)
    }
}

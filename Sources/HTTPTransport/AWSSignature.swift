/// AWS Signature Version 4 for a request, computed by libcurl (`CURLOPT_AWS_SIGV4`): S3 and S3-compatible stores.
///
/// The keys are handed to libcurl only; the description never shows them.
public struct AWSSignature: Sendable, Hashable, CustomStringConvertible, CustomReflectable {
    /// The region signed for, e.g. `us-east-1`.
    public var region: String
    /// The service signed for, e.g. `s3`.
    public var service: String
    /// The access key id.
    public var accessKey: String
    /// The secret access key.
    public var secretKey: String

    /// Creates a signature for `service` in `region`.
    public init(region: String, service: String = "s3", accessKey: String, secretKey: String) {
        self.region = region
        self.service = service
        self.accessKey = accessKey
        self.secretKey = secretKey
    }

    /// libcurl's provider string: `aws:amz:<region>:<service>`.
    var provider: String { "aws:amz:\(region):\(service)" }

    /// `aws-sigv4 <service> <region>`: never the keys.
    public var description: String { "aws-sigv4 \(service) \(region)" }

    /// The description only, so `dump` cannot show the keys either.
    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}

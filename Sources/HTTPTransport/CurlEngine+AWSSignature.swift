internal import CCurl

extension CurlEngine {
    /// The options that make libcurl sign `request` with AWS Signature Version 4, when it asks for it: the provider
    /// string and the keys as user name and password (set apart, so a `:` in a key cannot split them). libcurl adds
    /// `x-amz-date` and `Authorization`; the payload hash header S3 wants is the request's own.
    static func awsSignatureSteps(_ easy: UnsafeMutableRawPointer, for request: HTTPRequest) -> [() -> CURLcode] {
        guard let signature = request.awsSignature else { return [] }
        return [
            { ccurl_easy_setopt_string(easy, CURLOPT_AWS_SIGV4, signature.provider) },
            { ccurl_easy_setopt_string(easy, CURLOPT_USERNAME, signature.accessKey) },
            { ccurl_easy_setopt_string(easy, CURLOPT_PASSWORD, signature.secretKey) },
        ]
    }
}

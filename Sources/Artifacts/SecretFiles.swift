import Foundation
public import SensorModel

/// Kubernetes Secrets mounted as files, as Argo Events' sensor pods have them: the key `key` of the Secret `name` is
/// the file `<directory>/<name>/<key>`.
public struct SecretFiles: Sendable {
    /// The directory the Secrets are mounted under.
    public let directory: String

    /// Reads Secrets under `directory`.
    public init(directory: String) {
        self.directory = directory
    }

    /// The path of a selector's file, checked to exist and be readable.
    /// - Parameter source: the source that needs it, for the error.
    /// - Throws: ``ArtifactError`` (``ArtifactError/Kind/secret``, permanent) naming the Secret and key.
    public func path(of selector: SecretKeySelector, for source: String) throws(ArtifactError) -> String {
        // Secret names are DNS subdomains and keys `[-._a-zA-Z0-9]+`: a `/` or `..` would leave the directory.
        for part in [selector.name, selector.key] where part.isEmpty || part.contains("/") || part == ".." {
            throw ArtifactError(.secret, source: source, "\(selector) is not a valid Secret name and key")
        }
        let path = "\(directory)/\(selector.name)/\(selector.key)"
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ArtifactError(
                .secret, source: source, "\(selector) is not mounted: \(path) cannot be read (see docs/deploying.md)")
        }
        return path
    }

    /// A selector's value, without the whitespace around it (a Secret written with `echo` ends in a newline).
    /// - Throws: ``ArtifactError`` (``ArtifactError/Kind/secret``, permanent) naming the Secret and key.
    public func value(of selector: SecretKeySelector, for source: String) throws(ArtifactError) -> String {
        let path = try path(of: selector, for: source)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ArtifactError(.secret, source: source, "\(selector) cannot be read from \(path)")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

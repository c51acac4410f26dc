import Foundation

/// `source.file`: a file on the gateway's file system (a mounted ConfigMap, for instance), read at each firing.
struct FileArtifactReader: Sendable {
    /// The file's text.
    /// - Throws: ``ArtifactError``, permanent, when the file is missing or unreadable.
    func read(path: String) throws(ArtifactError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw ArtifactError(
                exists ? .invalid : .notFound, source: "file \(path)", exists ? "cannot be read" : "does not exist")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

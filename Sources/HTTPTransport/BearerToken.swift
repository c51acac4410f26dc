import Foundation
import Synchronization

/// A bearer token for an `Authorization` header, read from a file and read again whenever the file changes
/// (Kubernetes rotates projected service-account tokens in place), or given as a value (from the environment).
///
/// Neither its `description` nor its errors ever contain the token.
public final class BearerToken: Sendable, CustomStringConvertible {
    /// Where the token comes from.
    public enum Source: Sendable, Hashable {
        /// A file holding the token (surrounding whitespace ignored), re-read when its size or modification time changes.
        case file(String)
        /// The token itself.
        case value(String)
    }

    /// Why no token could be had; names the file, never its content.
    public struct ReadError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The token file.
        public var path: String
        /// What went wrong: `cannot read: No such file or directory`, `is empty`.
        public var reason: String
        public var description: String { "bearer token file \(path) \(reason)" }
    }

    private struct Cache {
        var modification: timespec
        var size: Int
        var token: String
    }

    /// Where the token comes from.
    public let source: Source
    private let cache = Mutex<Cache?>(nil)

    /// Creates a token from `source`; a file is first read on the first ``current()``.
    public init(_ source: Source) {
        self.source = source
    }

    /// `bearer token from <path>` or `bearer token (value)`: never the token.
    public var description: String {
        switch source {
        case .file(let path): "bearer token from \(path)"
        case .value: "bearer token (value)"
        }
    }

    /// The token now: the file's content if it changed since the last read, else the cached one.
    /// - Throws: ``ReadError`` when the file cannot be read or is empty.
    public func current() throws(ReadError) -> String {
        guard case .file(let path) = source else {
            if case .value(let token) = source { return token }
            preconditionFailure("a source is a file or a value")
        }
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw ReadError(path: path, reason: "cannot be read: " + String(cString: strerror(errno)))
        }
        let modification = status.st_mtim
        let size = Int(status.st_size)
        if let cached = cache.withLock({ $0 }), cached.size == size,
            cached.modification.tv_sec == modification.tv_sec, cached.modification.tv_nsec == modification.tv_nsec
        {
            return cached.token
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReadError(path: path, reason: "cannot be read")
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw ReadError(path: path, reason: "is empty") }
        cache.withLock { $0 = Cache(modification: modification, size: size, token: token) }
        return token
    }

    /// The header `Authorization: Bearer <token>`.
    /// - Throws: ``ReadError`` when the file cannot be read or is empty.
    public func authorizationHeader() throws(ReadError) -> (name: String, value: String) {
        ("Authorization", "Bearer " + (try current()))
    }
}

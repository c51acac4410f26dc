import Foundation
import LoopbackTesting
import SensorTesting
import Testing

/// `sensor-gateway --version`: the version and revision stamped at build time from the checkout.
@Suite(
    .requires(
        CommandLine.binaryExists, "sensor-gateway binary not built: expected \(CommandLine.binary); run swift build"),
    .requires(
        Git.isCheckout, "\(Repository.root) is not a git checkout: the version is compared with git describe"))
struct VersionTests {
    /// `git describe --tags` when a tag is reachable, else the VERSION file's version with `+g` and the short hash;
    /// `-dirty` after the tag form when the checkout had changes at build time.
    @Test func versionNamesTheCheckedOutCommit() throws {
        let result = try CommandLine.run(["--version"])
        #expect(result.status == 0)
        let words = result.output.trimmingCharacters(in: .newlines).split(separator: " ").map(String.init)
        try #require(words.count == 2, "\(result.output)")
        let (version, revision) = (words[0], words[1])

        let head = try Git.run(["rev-parse", "HEAD"])
        #expect(revision == "(\(head))")
        let base = try String(contentsOfFile: Repository.root + "/VERSION", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let expected = (try? Git.run(["describe", "--tags"])) ?? "\(base)+g\(head.prefix(7))"
        #expect(version == expected || version == expected + "-dirty", "\(version), expected \(expected)")
    }
}

/// The repository's git, for what a build stamps.
enum Git {
    static var isCheckout: Bool { (try? run(["rev-parse", "--git-dir"])) != nil }

    /// `git -C <repository> <arguments>`'s output without the final newline; throws when git fails.
    static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", Repository.root] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw GitFailure(description: "git \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
    }

    struct GitFailure: Error, CustomStringConvertible {
        let description: String
    }
}

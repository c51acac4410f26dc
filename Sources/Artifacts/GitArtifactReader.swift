import Foundation
import HTTPTransport
import SensorModel
import Synchronization

/// `source.git`: a file of a git repository, read from a local clone kept under the cache directory (one per URL)
/// between executions. The clone is fetched when its last fetch of that revision is older than the fetch interval,
/// then checked out (detached) at the branch, tag or ref, and the file read from the work tree. Reads of one
/// repository are serialized (they share its work tree); each runs `git` on a thread of its own.
///
/// A failed fetch is retryable (the server, the network or the credentials may come back); a revision or file that
/// is not in the fetched repository, or a file that is a symbolic link, is permanent.
final class GitArtifactReader: Sendable {
    private let cacheDirectory: String
    private let fetchInterval: Duration
    private let secrets: SecretFiles
    private let timeout: Duration
    private let now: @Sendable () -> Duration
    /// One lock per clone directory, held by the thread that runs its git commands.
    private let locks = Mutex<[String: NSLock]>([:])
    /// When each clone last fetched each revision.
    private let fetched = Mutex<[String: Duration]>([:])

    init(
        cacheDirectory: String, fetchInterval: Duration, secrets: SecretFiles, timeout: Duration,
        now: @escaping @Sendable () -> Duration
    ) {
        self.cacheDirectory = cacheDirectory
        self.fetchInterval = fetchInterval
        self.secrets = secrets
        self.timeout = timeout
        self.now = now
    }

    func read(_ artifact: GitArtifact) async throws(ArtifactError) -> String {
        let result = await DedicatedThread.run(name: "git") { () -> Result<String, ArtifactError> in
            do throws(ArtifactError) { return .success(try self.readBlocking(artifact)) } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// The source named in errors: `git <url> <revision> filePath <path>` (user information left out of the URL).
    static func describe(_ artifact: GitArtifact) -> String {
        "git \(HTTPRequest(url: artifact.url).redactedURL) \(describe(artifact.revision)) filePath \(artifact.filePath)"
    }

    private static func describe(_ revision: GitArtifact.Revision) -> String {
        switch revision {
        case .branch(let name): "branch \(name)"
        case .tag(let name): "tag \(name)"
        case .ref(let name): "ref \(name)"
        }
    }

    private func readBlocking(_ artifact: GitArtifact) throws(ArtifactError) -> String {
        let source = Self.describe(artifact)
        let directory = "\(cacheDirectory)/\(Self.directoryName(for: artifact.url))"
        let lock = locks.withLock { locks in
            if let lock = locks[directory] { return lock }
            let lock = NSLock()
            locks[directory] = lock
            return lock
        }
        lock.lock()
        defer { lock.unlock() }
        let git = GitCommand(environment: try environment(for: artifact, source: source), timeout: timeout)
        let (target, refspecs) = Self.target(of: artifact.revision)
        let fetchKey = "\(directory) \(refspecs.joined(separator: " "))"
        let due = fetched.withLock { fetched in fetched[fetchKey].map { now() - $0 >= fetchInterval } ?? true }
        if !FileManager.default.fileExists(atPath: "\(directory)/.git") {
            try run(git, ["init", "--quiet", directory], source: source, retryable: false)
        }
        if due {
            try run(
                git, ["-C", directory, "fetch", "--quiet", "--force", "--prune", "--no-tags", artifact.url] + refspecs,
                source: source, retryable: true, url: artifact.url)
            let time = now()
            fetched.withLock { $0[fetchKey] = time }
        }
        let commit = try? run(
            git, ["-C", directory, "rev-parse", "--verify", "--quiet", "\(target)^{commit}"], source: source,
            retryable: false)
        guard let commit, !commit.isEmpty else {
            throw ArtifactError(.notFound, source: source, "the repository has no \(Self.describe(artifact.revision))")
        }
        try run(
            git, ["-C", directory, "checkout", "--quiet", "--force", "--detach", commit], source: source,
            retryable: false)
        return try Self.readFile(artifact.filePath, in: directory, source: source)
    }

    /// What to check out, and the refspecs that fetch it into the clone.
    private static func target(of revision: GitArtifact.Revision) -> (String, [String]) {
        switch revision {
        case .branch(let name): ("refs/remotes/origin/\(name)", ["+refs/heads/*:refs/remotes/origin/*"])
        case .tag(let name): ("refs/tags/\(name)", ["+refs/tags/*:refs/tags/*"])
        case .ref(let name):
            // A full reference name (refs/pull/7/head), kept under a namespace of its own.
            ("refs/fetched/\(name)", ["+\(name):refs/fetched/\(name)"])
        }
    }

    /// The file at `filePath` of the checked-out work tree; a symbolic link is refused, as Argo Events does.
    private static func readFile(_ filePath: String, in directory: String, source: String) throws(ArtifactError)
        -> String
    {
        let path = "\(directory)/\(filePath)"
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        guard let attributes else {
            throw ArtifactError(.notFound, source: source, "the repository has no file \(filePath)")
        }
        switch attributes[.type] as? FileAttributeType {
        case .typeRegular?: break
        case .typeSymbolicLink?:
            throw ArtifactError(.invalid, source: source, "\(filePath) is a symbolic link, which is not read")
        default: throw ArtifactError(.invalid, source: source, "\(filePath) is not a file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ArtifactError(.invalid, source: source, "\(filePath) cannot be read")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Runs git; a failure becomes an error with git's last lines (the URL's user information left out).
    /// - Returns: git's output, trimmed.
    @discardableResult
    private func run(_ git: GitCommand, _ arguments: [String], source: String, retryable: Bool, url: String? = nil)
        throws(ArtifactError) -> String
    {
        let output: GitCommand.Output
        do { output = try git.run(arguments) } catch {
            throw ArtifactError(
                .configuration, source: source, "git cannot be run (\(GitCommand.executable)): \(error)")
        }
        var text = output.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard output.status == 0 else {
            if let url { text = text.replacingOccurrences(of: url, with: HTTPRequest(url: url).redactedURL) }
            let lines = text.split(separator: "\n").suffix(3).joined(separator: " / ")
            let what = arguments.first == "-C" ? arguments.dropFirst(2).first ?? "git" : arguments.first ?? "git"
            throw ArtifactError(
                retryable ? .unavailable : .invalid, source: source,
                "git \(what) failed\(output.timedOut ? " (timed out)" : ""): \(lines)", retryable: retryable)
        }
        return text
    }

    /// The environment of git for `artifact`: no prompts, no system or user configuration changing behaviour, and
    /// the credentials it names (as file paths only).
    private func environment(for artifact: GitArtifact, source: String) throws(ArtifactError) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_TERMINAL_PROMPT"] = "0"
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        environment["LC_ALL"] = "C"
        if let credentials = artifact.credentials {
            environment["SENSOR_GATEWAY_GIT_USERNAME_FILE"] = try secrets.path(of: credentials.username, for: source)
            environment["SENSOR_GATEWAY_GIT_PASSWORD_FILE"] = try secrets.path(of: credentials.password, for: source)
            environment["GIT_ASKPASS"] = try askpassScript(source: source)
        }
        var ssh = ["ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=30"]
        if let key = artifact.sshKeySecret {
            ssh += ["-i", Self.shellQuoted(try privateKeyCopy(of: key, source: source)), "-o", "IdentitiesOnly=yes"]
        }
        ssh +=
            artifact.insecureIgnoreHostKey
            ? ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"]
            : ["-o", "StrictHostKeyChecking=yes"]
        environment["GIT_SSH_COMMAND"] = ssh.joined(separator: " ")
        return environment
    }

    /// The `GIT_ASKPASS` script: prints the user name or password file git asks for. It holds no secret.
    private func askpassScript(source: String) throws(ArtifactError) -> String {
        let path = "\(cacheDirectory)/.askpass"
        let script = """
            #!/bin/sh
            case "$1" in
              Username*) exec cat "$SENSOR_GATEWAY_GIT_USERNAME_FILE" ;;
              *) exec cat "$SENSOR_GATEWAY_GIT_PASSWORD_FILE" ;;
            esac

            """
        do {
            try FileManager.default.createDirectory(atPath: cacheDirectory, withIntermediateDirectories: true)
            if (try? String(contentsOfFile: path, encoding: .utf8)) != script {
                try script.write(toFile: path, atomically: true, encoding: .utf8)
            }
            try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: path)
        } catch {
            throw ArtifactError(
                .configuration, source: source, "the git cache \(cacheDirectory) is not writable: \(error)")
        }
        return path
    }

    /// A copy of the SSH key readable by this user only: ssh refuses a key file others can read, and a Secret is
    /// mounted with mode 0644 unless told otherwise. Rewritten at each read, so a rotated key is used.
    private func privateKeyCopy(of key: SecretKeySelector, source: String) throws(ArtifactError) -> String {
        let secretPath = try secrets.path(of: key, for: source)
        let directory = "\(cacheDirectory)/.ssh-keys"
        let path = "\(directory)/\(Self.directoryName(for: "\(key.name)/\(key.key)"))"
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let data = try Data(contentsOf: URL(fileURLWithPath: secretPath))
            if !FileManager.default.fileExists(atPath: path) {
                _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
            }
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
            try data.write(to: URL(fileURLWithPath: path))
        } catch {
            throw ArtifactError(.secret, source: source, "\(key) cannot be copied for ssh into \(directory)")
        }
        return path
    }

    /// A directory name for a clone: the URL's last path component (for people looking at the cache) and a hash of
    /// the whole URL (FNV-1a, 64 bits), so two URLs never share a clone.
    static func directoryName(for url: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in url.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        let last = url.split(whereSeparator: { "/:".contains($0) }).last.map(String.init) ?? "repository"
        let readable = String(last.filter { $0.isLetter || $0.isNumber || "-_.".contains($0) }.prefix(40))
        let hex = String(hash, radix: 16)
        return "\(readable.isEmpty ? "repository" : readable)-\(String(repeating: "0", count: 16 - hex.count))\(hex)"
    }

    private static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

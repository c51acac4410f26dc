import Foundation
import Testing

/// The repository and the commands the deploy tests run: `kubectl kustomize` and `Support/deploy_checks.py`.
enum Deploy {
    /// The repository root (three levels above this file).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    /// `Tests/DeployTests/Support/deploy_checks.py`.
    static let checks = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Support/deploy_checks.py").path
    static let base = "deploy/base"
    static let overlay = "deploy/overlays/example"
    /// The example overlay with the service-account token mounted, for the features that call the Kubernetes API.
    static let kubernetesAPIOverlay = "deploy/overlays/kubernetes-api"
    /// The example overlay with the optional components that need an operator's CRDs (kustomize v3.7+).
    static let operatorsOverlay = "deploy/overlays/operators"
    /// The optional components, each a kustomize Component.
    static let components = [
        "deploy/components/grafana-dashboard", "deploy/components/hpa", "deploy/components/keda",
        "deploy/components/nack", "deploy/components/prometheus-operator",
    ]

    /// A finished command.
    struct Result {
        let command: String
        let status: Int32
        let output: String
        let errors: String

        /// For failure messages: the command, its status and what it printed.
        var transcript: String { "$ \(command)\nexit \(status)\n\(output)\(errors)" }
        /// The lines that start with `error:`.
        var errorLines: [String] { output.split(separator: "\n").map(String.init).filter { $0.hasPrefix("error:") } }
    }

    struct ToolMissing: Error, CustomStringConvertible {
        let description: String
    }

    /// The executable `name` on `PATH`, or a failure that says how to install it.
    static func tool(_ name: String, install: String) throws -> String {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        for directory in paths {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw ToolMissing(description: "\(name) is not on PATH: \(install)")
    }

    /// kubectl: `$KUBECTL` when set (e.g. Debian's 1.20 to check its kustomize), else the one on PATH.
    static func kubectl() throws -> String {
        if let path = ProcessInfo.processInfo.environment["KUBECTL"], !path.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw ToolMissing(description: "KUBECTL=\(path) is not an executable file")
            }
            return path
        }
        return try tool("kubectl", install: "apt-get install kubernetes-client (or `make deps`)")
    }

    static func python() throws -> String {
        try tool("python3", install: "apt-get install python3 (or `make deps`)")
    }

    /// Runs `executable` in the repository root; output goes through files, so nothing blocks on a full pipe.
    /// A command still running after `timeout` is killed with SIGKILL (a child may inherit SIGTERM blocked).
    static func run(_ executable: String, _ arguments: [String], timeout: Duration = .seconds(120)) throws -> Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "deploy-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outputFile = directory.appendingPathComponent("stdout")
        let errorFile = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        let output = try FileHandle(forWritingTo: outputFile)
        let errors = try FileHandle(forWritingTo: errorFile)
        defer {
            try? output.close()
            try? errors.close()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = root
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                break
            }
            usleep(20_000)
        }
        process.waitUntilExit()
        let command = ([executable] + arguments).joined(separator: " ")
        return Result(
            command: command, status: process.terminationStatus,
            output: String(decoding: try Data(contentsOf: outputFile), as: UTF8.self),
            errors: String(decoding: try Data(contentsOf: errorFile), as: UTF8.self))
    }

    /// `kubectl kustomize <directory>` written to a temporary file; fails the test when the build fails.
    static func render(_ directory: String) throws -> URL {
        let result = try run(try kubectl(), ["kustomize", directory])
        guard result.status == 0 else {
            throw ToolMissing(description: "kubectl kustomize \(directory) failed:\n\(result.transcript)")
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("rendered-\(UUID().uuidString).yaml")
        try Data(result.output.utf8).write(to: file)
        return file
    }

    /// An overlay of `base` (relative to the repository) with `components`, built in a temporary directory.
    static func render(base: String, components: [String]) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("overlay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // kustomize takes relative paths only: from the temporary directory up to `/`, then down to the repository.
        let up = String(repeating: "../", count: directory.pathComponents.count - 1)
        func relative(_ path: String) -> String { up + root.appendingPathComponent(path).path.dropFirst() }
        let kustomization =
            "resources: [\(relative(base))]\ncomponents: [\(components.map(relative).joined(separator: ", "))]\n"
        try Data(kustomization.utf8).write(to: directory.appendingPathComponent("kustomization.yaml"))
        return try render(directory.path)
    }

    /// `python3 deploy_checks.py <arguments>`.
    static func check(_ arguments: [String]) throws -> Result {
        try run(try python(), [checks] + arguments)
    }

    /// The `summary` of a rendered build.
    static func summary(of rendered: URL) throws -> Summary {
        let result = try check(["summary", rendered.path])
        guard result.status == 0 else { throw ToolMissing(description: result.transcript) }
        return try JSONDecoder().decode(Summary.self, from: Data(result.output.utf8))
    }

    /// What `deploy_checks.py summary` prints.
    struct Summary: Decodable {
        struct Resource: Decodable, Equatable {
            let kind: String
            let name: String
            let namespace: String?
        }
        struct Deployment: Decodable {
            /// Nil when an autoscaler owns the count.
            let replicas: Int?
            let image: String
            let args: [String]
            let runAsNonRoot: Bool
            let readOnlyRootFilesystem: Bool
            let memoryRequest: String?
            let memoryLimit: String?
            let configMapKeys: [String]
        }
        let resources: [Resource]
        let deployment: Deployment
        let sensorNames: [String]

        func kinds() -> [String] { resources.map(\.kind).sorted() }
    }

    /// `"160Mi"` in mebibytes.
    static func mebibytes(_ quantity: String?) -> Double? {
        guard let quantity else { return nil }
        let units: [(String, Double)] = [
            ("Gi", 1024), ("Mi", 1), ("Ki", 1.0 / 1024), ("G", 1e9 / 1_048_576), ("M", 1e6 / 1_048_576),
        ]
        for (suffix, scale) in units where quantity.hasSuffix(suffix) {
            return Double(quantity.dropLast(suffix.count)).map { $0 * scale }
        }
        return Double(quantity).map { $0 / 1_048_576 }
    }
}

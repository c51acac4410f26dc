import Foundation
import PackagePlugin

/// Stamps the target with the version and revision it is built from: before every build, `scripts/build-version.sh`
/// writes `BuildVersion.swift` into the plugin's work directory (rewritten only when the values change, so an
/// unchanged checkout rebuilds nothing).
///
/// The values come from `SENSOR_GATEWAY_VERSION` and `SENSOR_GATEWAY_REVISION` when set (an image built without the
/// repository's history), otherwise from `git describe` and the checked-out commit, otherwise from the `VERSION` file
/// (a source tarball).
@main
struct VersionStamp: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "generated")
        let script = context.package.directoryURL.appending(path: "scripts/build-version.sh")
        let passed = ["SENSOR_GATEWAY_VERSION", "SENSOR_GATEWAY_REVISION", "PATH", "HOME"]
        let environment = ProcessInfo.processInfo.environment.filter { passed.contains($0.key) }
        return [
            .prebuildCommand(
                displayName: "Stamping the build version",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: [
                    script.path, context.package.directoryURL.path, output.appending(path: "BuildVersion.swift").path,
                ],
                environment: environment,
                outputFilesDirectory: output)
        ]
    }
}

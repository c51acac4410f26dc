import Foundation
import LoopbackTesting
import Testing

/// `sensor-gateway completion <shell>` prints a completion script that knows the subcommands.
@Suite(
    .requires(
        CommandLine.binaryExists, "sensor-gateway binary not built: expected \(CommandLine.binary); run swift build"))
struct CompletionCommandTests {
    @Test(arguments: [
        ("bash", "complete -o filenames -F _sensor-gateway sensor-gateway"),
        ("zsh", "#compdef sensor-gateway"),
        ("fish", "complete -c 'sensor-gateway'"),
    ])
    func printsTheScriptOfEachShell(shell: String, marker: String) throws {
        let result = try CommandLine.run(["completion", shell])
        #expect(result.status == 0)
        #expect(result.output.contains(marker), "\(result.output.prefix(400))")
        for subcommand in ["validate", "explain", "publish", "dlq", "replay"] {
            #expect(result.output.contains(subcommand), "\(shell) completes \(subcommand)")
        }
    }

    @Test func refusesAnUnknownShell() throws {
        let result = try CommandLine.run(["completion", "powershell"], standardError: true)
        #expect(result.status != 0)
        #expect(result.output.isEmpty)
        #expect(result.error.contains("powershell"), "\(result.error)")
    }
}

import ArgumentParser

/// `sensor-gateway completion bash|zsh|fish`: prints the shell completion script of the whole command line.
struct CompletionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "completion",
        abstract: "Print the shell completion script for bash, zsh or fish.",
        discussion: """
            bash: sensor-gateway completion bash > /etc/bash_completion.d/sensor-gateway
            zsh:  sensor-gateway completion zsh > "${fpath[1]}/_sensor-gateway"
            fish: sensor-gateway completion fish > ~/.config/fish/completions/sensor-gateway.fish
            """)

    /// The shells argument-parser writes completion scripts for.
    enum Shell: String, ExpressibleByArgument, CaseIterable {
        case bash
        case zsh
        case fish

        var completionShell: CompletionShell {
            switch self {
            case .bash: .bash
            case .zsh: .zsh
            case .fish: .fish
            }
        }
    }

    @Argument(help: "bash, zsh or fish.")
    var shell: Shell

    func run() {
        print(SensorGatewayCommand.completionScript(for: shell.completionShell), terminator: "")
    }
}

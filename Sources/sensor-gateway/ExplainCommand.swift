import ArgumentParser

/// `sensor-gateway explain`: see ARCHITECTURE.md.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "explain", abstract: "Show what sensors would do with events.")
}

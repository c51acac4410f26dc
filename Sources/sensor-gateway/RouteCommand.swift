import ArgumentParser
import EventModel
import Foundation
import LocalFiles
import SensorEngine
import SensorModel
import Triggers

/// `sensor-gateway route`: sends one event through the routing matrix and prints the route taken, why each route
/// before it did not match, and the request. Contacts no server.
///
/// Exit status: 0 when a route (or the default) took the event; 2 when the daemon would dead-letter it (no route
/// matched, or a parameter of the matched route could not be resolved); 1 when the routing file or the event is
/// invalid.
struct RouteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route",
        abstract:
            "Show which route, engine and request the routing matrix gives an event, without contacting any server.")

    /// Output formats.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    @Option(name: .long, help: "The routing matrix (a RoutingMatrix YAML file).")
    var routing = "config/routing.yaml"

    @Option(name: .long, help: "A CloudEvent file (JSON or MessagePack, structured mode).")
    var event: String

    @Option(name: .long, help: "text or json.")
    var format: Format = .text

    @Option(
        name: .long,
        help: "Directory of the Argo templates routes may name (default: deploy/argo near the routing file).")
    var argoTemplates: String?

    func run() throws {
        let templates = try loadArgoTemplates(argoTemplates)
        let matrix: RoutingMatrix
        do {
            matrix = try SensorFiles.loadRouting(file: routing, argoTemplates: templates).matrix
        } catch {
            printToStandardError(error.description)
            throw ExitCode(1)
        }
        let loaded: Event
        do {
            loaded = try EventFile.load(path: event)
        } catch {
            printToStandardError("error: \(error)")
            throw ExitCode(1)
        }
        let decision = matrix.route(loaded)
        // Names derive from sensor `route`, the route's name and the event.
        let identity = FiringIdentity(sensor: "route", trigger: decision.route ?? "default", events: ["event": loaded])
        let namespace = ProcessInfo.processInfo.environment["ARGO_NAMESPACE"] ?? "argo"
        switch format {
        case .json:
            let document = RoutePreview.document(decision, event: loaded, identity: identity, argoNamespace: namespace)
            print(JSONCodec.encodeToString(.map(document)))
        case .text:
            let text = RoutePreview.text(decision, event: loaded, identity: identity, argoNamespace: namespace)
            print(text, terminator: "")
        }
        if decision.target == nil { throw ExitCode(2) }
    }
}

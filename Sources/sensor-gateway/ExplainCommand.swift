import ArgumentParser
import ConfigReader
import EventModel
import Foundation
import LocalFiles
import SensorEngine
import SensorModel
import Triggers

/// `sensor-gateway explain`: shows, per sensor and trigger, each dependency match, each filter with its verdict and
/// the value it saw, the condition result, and the request that would be sent, as the Triggers module builds it
/// (`TriggerRequestPreviews`). Contacts no server.
///
/// Exit status: 0 when a trigger fires; 2 when none does (with a hint naming the dependency that came closest,
/// ``NearMiss``); 1 when a sensor, the routing file or an event is invalid. Under `--format json` standard output
/// holds the JSON document alone.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain", abstract: "Show what sensors would do with events, without contacting any server.")

    /// Output formats.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    @Option(name: .long, help: "Sensor YAML file or directory.")
    var sensors: String

    @Option(
        name: .long, help: "A CloudEvent file (JSON or MessagePack, structured mode); repeat to feed events in order.")
    var event: [String]

    @Option(
        name: .long, help: "The NATS subject the events arrived on (default: match by CloudEvent source and subject).")
    var subject: String?

    @Option(name: .long, help: "The subject prefix of dependency subjects (nats.subjectPrefix).")
    var subjectPrefix = "events"

    @Option(name: .long, help: "text or json.")
    var format: Format = .text

    @Option(
        name: .long,
        help: "A routing matrix (RoutingMatrix YAML): route triggers show the route each event takes and its request.")
    var routing: String?

    func run() throws {
        // Workflows whose resource and sensor name no namespace go to `ARGO_NAMESPACE`, as `route` reads it.
        var requests = TriggerRequestPreviews(
            argoNamespace: ProcessInfo.processInfo.environment["ARGO_NAMESPACE"] ?? "argo")
        if let routing {
            do {
                requests.routing = try SensorFiles.loadRouting(file: routing).matrix
            } catch {
                printToStandardError(error.description)
                throw ExitCode(1)
            }
        }
        let catalog = SensorFiles.load(paths: [sensors])
        for finding in catalog.findings {
            printToStandardError(finding.description)
        }
        var events: [Event] = []
        for path in event {
            do {
                events.append(try EventFile.load(path: path))
            } catch {
                printToStandardError("error: \(error)")
                throw ExitCode(1)
            }
        }
        let report = ExplainReport(
            sensors: catalog.sensors, events: events, subject: subject, subjectPrefix: subjectPrefix,
            requests: requests)
        switch format {
        case .json: print(report.json)
        case .text:
            print(Explainer.text(report.explanations), terminator: "")
            if let nearMiss = report.nearMiss { print("nothing fires; closest: \(nearMiss.message)") }
        }
        if !catalog.isValid { throw ExitCode(1) }
        if !report.fires { throw ExitCode(2) }
    }
}

import ArgumentParser
import EventSources
import Foundation
import Gateway
import JetStream

/// `sensor-gateway publish`: a JSON document as a MessagePack CloudEvent to JetStream; prints stream and sequence.
struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish", abstract: "Publish a JSON event to JetStream as a MessagePack CloudEvent.")

    @OptionGroup(title: "NATS connection")
    var nats: NATSOptions

    @Option(name: .long, help: "The subject, e.g. events.training.model-trained.")
    var subject: String

    @Option(name: .long, help: "The event as JSON: a whole CloudEvent (with specversion) or just its data.")
    var data: String?

    @Option(name: .long, help: "A file holding the JSON.")
    var file: String?

    @Option(name: .long, help: "The CloudEvent type.")
    var type: String?

    @Option(name: .long, help: "The CloudEvent source.")
    var source: String?

    @Option(name: .long, help: "The CloudEvent id (also the Nats-Msg-Id).")
    var id: String?

    @Flag(name: .long, help: "Binary mode: attributes in ce-* headers, data as the payload.")
    var binaryMode = false

    func validate() throws {
        guard (data == nil) != (file == nil) else { throw ValidationError("give exactly one of --data and --file") }
    }

    func run() async throws {
        let json: [UInt8]
        if let data {
            json = Array(data.utf8)
        } else if let file {
            guard let contents = FileManager.default.contents(atPath: file) else {
                printToStandardError("error: cannot read \(file)")
                throw ExitCode(1)
            }
            json = [UInt8](contents)
        } else {
            json = []
        }
        do {
            let event = try EventPublication.event(json: json, natsSubject: subject, type: type, source: source, id: id)
            let connection = try await NATSConnection.connect(nats.connectionOptions(name: "sensor-gateway publish"))
            let ack = try await connection.publish(
                EventPublication.message(for: event, subject: subject, binaryMode: binaryMode))
            print("stream \(ack.stream) sequence \(ack.sequence)\(ack.isDuplicate ? " (duplicate)" : "")")
            await connection.close()
        } catch {
            printErrorToStandardError(error)
            throw ExitCode(1)
        }
    }
}

import ArgumentParser
import ConfigReader
import Foundation
import Gateway
import JetStream

/// `sensor-gateway dlq list|show|replay|delete`: the dead letters of the `DLQ` stream, read by stream sequence (no
/// consumer is created, nothing is acknowledged).
struct DLQCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq", abstract: "List, show, replay and delete the gateway's dead letters.",
        subcommands: [DLQList.self, DLQShow.self, DLQReplay.self, DLQDelete.self])
}

/// The connection and stream of every `dlq` subcommand.
struct DLQConnection: ParsableArguments {
    @OptionGroup(title: "NATS connection")
    var nats: NATSOptions

    @Option(name: .long, help: "The dead-letter stream.")
    var stream = DeadLetterQueue.defaultStream

    /// Connects, runs `body`, closes; a NATS error is printed as `error: …` and exits 1.
    func withConnection(_ body: (NATSConnection) async throws -> Void) async throws {
        let connection: NATSConnection
        do {
            connection = try await NATSConnection.connect(nats.connectionOptions(name: "sensor-gateway dlq"))
        } catch {
            printErrorToStandardError(error)
            throw ExitCode(1)
        }
        do {
            try await body(connection)
        } catch let error as NATSError {
            await connection.close()
            printToStandardError("error: \(error)")
            throw ExitCode(1)
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
    }

    /// The dead letters the filter admits, oldest first, at most `limit` (0: all).
    func deadLetters(_ connection: NATSConnection, filter: DeadLetterFilter, limit: Int = 0) async throws
        -> [DeadLetter]
    {
        try await DeadLetterQueue(connection: connection, stream: stream).oldestFirst(filter: filter, limit: limit)
    }

    /// The dead letter at `sequence`, or `error: not found in <stream>: sequence N` and exit 1.
    func deadLetter(_ connection: NATSConnection, sequence: UInt64) async throws -> DeadLetter {
        guard let letter = try await DeadLetterQueue(connection: connection, stream: stream).letter(at: sequence) else {
            printToStandardError("error: not found in \(stream): sequence \(sequence)")
            throw ExitCode(1)
        }
        return letter
    }
}

/// Which dead letters `list` and `replay` take.
struct DeadLetterFilterOptions: ParsableArguments {
    @Option(name: .long, help: "Only this sensor's.")
    var sensor: String?

    @Option(name: .long, help: "Only this trigger's.")
    var trigger: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Only those whose reason contains this text (undecodable, permanent, exhausted, 403…).", valueName: "text"))
    var reason: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Only those dead-lettered since: an RFC 3339 time (2026-12-05T06:00:00Z) or a Go duration ago (90m).",
            valueName: "time"))
    var since: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Only those dead-lettered before: an RFC 3339 time or a Go duration ago.", valueName: "time")
    )
    var until: String?

    /// The filter the options describe.
    func filter(now: Date = Date()) throws -> DeadLetterFilter {
        DeadLetterFilter(
            sensor: sensor, trigger: trigger, reason: reason,
            since: try since.map { try Self.time($0, option: "--since", now: now) },
            until: try until.map { try Self.time($0, option: "--until", now: now) })
    }

    func validate() throws {
        _ = try filter()
    }

    private static func time(_ text: String, option: String, now: Date) throws -> Date {
        if let duration = GoDuration.parse(text) {
            let (seconds, attoseconds) = duration.components
            return now.addingTimeInterval(-(Double(seconds) + Double(attoseconds) / 1e18))
        }
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions.insert(.withFractionalSeconds)
        if let date = formatter.date(from: text) { return date }
        throw ValidationError("\(option) must be an RFC 3339 time (2026-12-05T06:00:00Z) or a Go duration (90m)")
    }
}

/// `dlq list`: one line per dead letter.
struct DLQList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "One line per dead letter: sequence, reason, sensor, trigger, original subject and sequence, "
            + "deliveries, time.")

    @OptionGroup var connection: DLQConnection
    @OptionGroup(title: "Filters") var filters: DeadLetterFilterOptions

    @Option(name: .long, help: "At most this many (0: all).")
    var limit = 0

    func run() async throws {
        let filter = try filters.filter()
        try await connection.withConnection { nats in
            let letters = try await connection.deadLetters(nats, filter: filter, limit: limit)
            for letter in letters { print(Self.line(letter)) }
            print("\(letters.count) dead letter\(letters.count == 1 ? "" : "s") in \(connection.stream)")
        }
    }

    /// `<sequence> reason="…" sensor="…" trigger="…" subject="…" stream-sequence="…" deliveries="…" time="…"`, the
    /// values quoted as JSON strings.
    static func line(_ letter: DeadLetter) -> String {
        let fields = [
            ("reason", letter.reason), ("sensor", letter.sensor), ("trigger", letter.trigger),
            ("subject", letter.subject), ("stream-sequence", letter.originalSequence),
            ("deliveries", letter.deliveries), ("time", letter.storedAt.formatted(.iso8601)),
        ]
        return "\(letter.stored.sequence) " + fields.map { "\($0)=\(quoted($1))" }.joined(separator: " ")
    }

    private static func quoted(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        let data = (try? encoder.encode(text)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

/// `dlq show SEQ`: one dead letter's headers and payload.
struct DLQShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "One dead letter: its headers, and its payload (JSON as text, else hex).")

    @OptionGroup var connection: DLQConnection

    @Argument(help: "The dead letter's sequence in the stream.")
    var sequence: UInt64

    func run() async throws {
        try await connection.withConnection { nats in
            let letter = try await connection.deadLetter(nats, sequence: sequence)
            print("sequence \(sequence) subject \(letter.stored.subject)")
            for (name, values) in letter.stored.headers.sorted(by: { $0.key < $1.key }) {
                for value in values { print("\(name): \(value)") }
            }
            print(Self.payload(letter.stored.data))
        }
    }

    /// JSON payloads indented, anything else (MessagePack) as hex.
    static func payload(_ data: [UInt8]) -> String {
        if let object = try? JSONSerialization.jsonObject(with: Data(data), options: [.fragmentsAllowed]),
            let pretty = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        {
            return String(decoding: pretty, as: UTF8.self)
        }
        return data.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}

/// `dlq replay`: republishes dead letters to the sensor and trigger that failed.
struct DLQReplay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Republish dead letters to their original subject, for the sensor and trigger that failed only.",
        discussion: """
            Give sequences, filters, or both (sequences the filters admit). A dead letter of a failed trigger is \
            replayed with Sensor-Gateway-Replay-Sensor and -Trigger headers: only that trigger of that sensor sees \
            the event again. An undecodable message goes to every sensor on its subject. The Nats-Msg-Id makes a \
            second replay within the events stream's duplicate window a duplicate that stores nothing.
            """)

    @OptionGroup var connection: DLQConnection
    @OptionGroup(title: "Filters") var filters: DeadLetterFilterOptions

    @Argument(help: "Sequences of the dead letters to replay.")
    var sequences: [UInt64] = []

    @Flag(
        name: .long, help: "Replay every dead letter the filters admit (required when no sequence nor filter is given)."
    )
    var all = false

    @Flag(name: .long, help: "Print what would be replayed, and publish nothing.")
    var dryRun = false

    func validate() throws {
        let filter = try filters.filter()
        guard !sequences.isEmpty || !filter.isEmpty || all else {
            throw ValidationError("give sequences, a filter (--sensor, --trigger, --reason, --since, --until) or --all")
        }
    }

    func run() async throws {
        let filter = try filters.filter()
        var failed = false
        try await connection.withConnection { nats in
            var letters: [DeadLetter] = []
            if sequences.isEmpty {
                letters = try await connection.deadLetters(nats, filter: filter)
            } else {
                for sequence in sequences {
                    let letter = try await connection.deadLetter(nats, sequence: sequence)
                    if filter.admits(letter) { letters.append(letter) }
                }
            }
            for letter in letters {
                let name = "\(connection.stream) \(letter.stored.sequence)"
                guard let message = letter.replay else {
                    printToStandardError(
                        "error: \(name) has no Sensor-Gateway-Subject header: not a gateway dead letter")
                    failed = true
                    continue
                }
                let target = letter.sensor.isEmpty ? "every sensor" : "\(letter.sensor)/\(letter.trigger)"
                if dryRun {
                    print("would replay \(name) to \(message.subject) for \(target)")
                    continue
                }
                let ack = try await nats.publish(message)
                let duplicate = ack.isDuplicate ? " (duplicate: already replayed)" : ""
                print(
                    "replayed \(name) to \(message.subject) for \(target): stream \(ack.stream) sequence \(ack.sequence)\(duplicate)"
                )
            }
            if letters.isEmpty { print("no dead letter to replay in \(connection.stream)") }
        }
        if failed { throw ExitCode(1) }
    }
}

/// `dlq delete SEQ...`: removes dead letters.
struct DLQDelete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Remove dead letters (after a replay, or to drop them).")

    @OptionGroup var connection: DLQConnection

    @Argument(help: "Sequences of the dead letters to remove.")
    var sequences: [UInt64]

    func run() async throws {
        try await connection.withConnection { nats in
            for sequence in sequences {
                _ = try await connection.deadLetter(nats, sequence: sequence)
                try await nats.deleteMessage(stream: connection.stream, sequence: sequence)
                print("deleted \(connection.stream) \(sequence)")
            }
        }
    }
}

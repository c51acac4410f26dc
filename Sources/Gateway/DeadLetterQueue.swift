public import JetStream

/// The dead-letter stream, read by stream sequence (`$JS.API.STREAM.MSG.GET`): no consumer is created and nothing is
/// acknowledged. What `sensor-gateway dlq` and `GET /api/dead-letters` read.
public struct DeadLetterQueue: Sendable {
    /// The stream's name when the JetStream specs define none that stores `nats.dlqSubject`.
    public static let defaultStream = "DLQ"

    /// The connection it is read over.
    public let connection: NATSConnection
    /// The stream.
    public let stream: String

    /// The dead letters of `stream` over `connection`.
    public init(connection: NATSConnection, stream: String) {
        self.connection = connection
        self.stream = stream
    }

    /// The dead letters the filter admits, oldest first, at most `limit` (0: all).
    /// - Throws: ``NATSError`` when the stream cannot be read (``NATSError/Code/notFound``: no such stream).
    public func oldestFirst(filter: DeadLetterFilter = DeadLetterFilter(), limit: Int = 0) async throws(NATSError)
        -> [DeadLetter]
    {
        let info = try await connection.streamInfo(stream)
        guard info.messages > 0, info.lastSequence >= max(info.firstSequence, 1) else { return [] }
        var letters: [DeadLetter] = []
        for sequence in max(info.firstSequence, 1)...info.lastSequence {
            if limit > 0 && letters.count >= limit { break }
            guard let letter = try await letter(at: sequence) else { continue }
            if filter.admits(letter) { letters.append(letter) }
        }
        return letters
    }

    /// The latest dead letters, newest first, at most `limit`, and how many the stream holds. Looks at no more than
    /// `limit` + ``deletedGapAllowance`` sequences, so a long run of deleted ones shortens the list rather than the
    /// answer's time.
    /// - Throws: ``NATSError`` when the stream cannot be read (``NATSError/Code/notFound``: no such stream).
    public func newestFirst(limit: Int) async throws(NATSError) -> (total: UInt64, letters: [DeadLetter]) {
        let info = try await connection.streamInfo(stream)
        let first = max(info.firstSequence, 1)
        guard info.messages > 0, limit > 0, info.lastSequence >= first else { return (info.messages, []) }
        var letters: [DeadLetter] = []
        var sequence = info.lastSequence
        var budget = limit + Self.deletedGapAllowance
        while letters.count < limit, budget > 0 {
            if let letter = try await letter(at: sequence) { letters.append(letter) }
            budget -= 1
            guard sequence > first else { break }
            sequence -= 1
        }
        return (info.messages, letters)
    }

    /// How many deleted sequences ``newestFirst(limit:)`` steps over at most.
    public static let deletedGapAllowance = 1000

    /// The dead letter at `sequence`; nil when the stream holds none there (never stored, deleted or expired).
    /// - Throws: ``NATSError`` when the stream cannot be read.
    public func letter(at sequence: UInt64) async throws(NATSError) -> DeadLetter? {
        try await connection.storedMessage(stream: stream, sequence: sequence).map(DeadLetter.init)
    }

    /// The name of the stream of `specs` that stores `subject` (NATS wildcards `*` and `>` in its subjects), or
    /// ``defaultStream``.
    public static func stream(storing subject: String, in specs: [StreamSpec]) -> String {
        specs.first { spec in spec.subjects.contains { covers($0, subject) } }?.name ?? defaultStream
    }

    /// Whether the subject filter `pattern` matches `subject`.
    static func covers(_ pattern: String, _ subject: String) -> Bool {
        let patternTokens = pattern.split(separator: ".", omittingEmptySubsequences: false)
        let subjectTokens = subject.split(separator: ".", omittingEmptySubsequences: false)
        for (index, token) in patternTokens.enumerated() {
            if token == ">" { return subjectTokens.count > index }
            guard index < subjectTokens.count, token == "*" || token == subjectTokens[index] else { return false }
        }
        return patternTokens.count == subjectTokens.count
    }
}

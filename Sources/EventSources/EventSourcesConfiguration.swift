public import EventModel
public import SensorLanguage
import Yams
public import ConfigReader

/// `sources:` in `gateway.yaml`: events that start outside NATS (HTTP calls, schedules) and are published into
/// JetStream before any sensor sees them.
///
/// - Configuration keys:
///   - `sources.http.listen` (`host:port`; unset: no HTTP endpoint), `sources.http.tokenFile` (the bearer token
///     clients must send), `sources.http.allowUnauthenticated` (`true` turns authentication off; one of the two is
///     required), `sources.http.maxBodyBytes` (default 1048576, the `EVENTS` stream's `max_msg_size`),
///     `sources.http.tls.cert|key` (PEM; both or neither).
///   - `sources.schedules`: a list of `name` (letters, digits, `-`, `_`), `cron` (5 fields) or `interval`
///     (`1s`, `500ms`, at least 1 s), `timezone` (IANA, cron only, default UTC), `missed` (`skip`, the default, or
///     `catchUpLast`), `event.type` (required), `event.source` (default `schedules`), `event.subject` (default the
///     schedule's name), `event.data` (any YAML).
public struct EventSourcesConfiguration: Sendable {
    /// `sources.http`.
    public struct HTTP: Sendable {
        /// How clients authenticate.
        public enum Authentication: Sendable, Hashable {
            /// `Authorization: Bearer <token>`, the token being the content of this file (re-read when it changes).
            case bearerTokenFile(String)
            /// None: `allowUnauthenticated: true`.
            case none
        }

        /// The address to listen on.
        public var host: String
        /// The port (0: any free one).
        public var port: Int
        /// `tokenFile` or `allowUnauthenticated`.
        public var authentication: Authentication
        /// The largest body accepted; larger ones are answered 413.
        public var maxBodyBytes = 1 << 20
        /// `tls.cert` and `tls.key`: serve HTTPS with this certificate.
        public var tls: TLSFiles?
    }

    /// One entry of `sources.schedules`.
    public struct Schedule: Sendable {
        /// When it ticks.
        public enum Timing: Sendable {
            /// On the ticks of a cron expression (minute resolution) in its time zone.
            case cron(CronSchedule)
            /// Every `Duration`, counted from the Unix epoch, so every replica computes the same ticks.
            case interval(Duration)
        }

        /// What happens to ticks that passed while no gateway ran.
        public enum MissedTicks: String, Sendable, Hashable {
            /// They are not emitted.
            case skip
            /// The latest of them is emitted at start, unless it was emitted already.
            case catchUpLast
        }

        /// The schedule's name: the `Nats-Msg-Id` prefix, the metrics label `schedule:<name>`.
        public var name: String
        /// When it ticks.
        public var timing: Timing
        /// What to do about missed ticks.
        public var missed = MissedTicks.skip
        /// The event's `type`.
        public var type: String
        /// The event's `source`: the second token of its NATS subject.
        public var source = "schedules"
        /// The event's `subject`: the third token of its NATS subject.
        public var subject: String
        /// The event's `data`, if any.
        public var data: EventValue?

        /// The latest tick at or before `instant`.
        public func previousTick(atOrBefore instant: EventTimestamp) -> EventTimestamp? {
            switch timing {
            case .cron(let cron): return cron.previousTick(atOrBefore: instant)
            case .interval(let interval): return .fromMilliseconds(instant.intervalStart(interval))
            }
        }

        /// The first tick strictly after `instant`.
        public func nextTick(after instant: EventTimestamp) -> EventTimestamp? {
            switch timing {
            case .cron(let cron): return cron.nextTick(after: instant)
            case .interval(let interval): return .fromMilliseconds(instant.intervalStart(interval) + interval.wholeMilliseconds)
            }
        }
    }

    /// `sources.http`; nil: no HTTP endpoint.
    public var http: HTTP?
    /// `sources.schedules`.
    public var schedules: [Schedule] = []

    /// None.
    public init() {}

    package init(_ section: YAMLSection) throws(ConfigurationError) {
        try section.checkKeys(["http", "schedules"])
        if let http = try section.section("http") {
            self.http = try HTTP(http)
        }
        var names: Set<String> = []
        for (index, entry) in try section.sections("schedules").enumerated() {
            let schedule = try Schedule(entry)
            guard names.insert(schedule.name).inserted else {
                throw section.error("schedules", "schedule \(index): the name \"\(schedule.name)\" is used twice")
            }
            schedules.append(schedule)
        }
    }
}

extension EventSourcesConfiguration.HTTP {
    fileprivate init(_ section: YAMLSection) throws(ConfigurationError) {
        try section.checkKeys(["listen", "tokenFile", "allowUnauthenticated", "maxBodyBytes", "tls"])
        guard let listen = try section.string("listen") else {
            throw section.error("listen", "required: host:port of the event endpoint")
        }
        guard let (host, port) = ListenAddress.hostAndPort(listen) else {
            throw section.error("listen", "expected host:port with a port of 0–65535, found \"\(listen)\"")
        }
        (self.host, self.port) = (host, port)
        switch (try section.string("tokenFile"), try section.bool("allowUnauthenticated") ?? false) {
        case (let file?, false): authentication = .bearerTokenFile(file)
        case (nil, true): authentication = .none
        case (_?, true):
            throw section.error("allowUnauthenticated", "set tokenFile or allowUnauthenticated: true, not both")
        case (nil, false):
            throw section.error(
                "tokenFile", "required: the bearer token file clients authenticate with (or allowUnauthenticated: true)")
        }
        if let bytes = try section.integer("maxBodyBytes") {
            guard (1...(64 << 20)).contains(bytes) else { throw section.error("maxBodyBytes", "must be 1–67108864") }
            maxBodyBytes = bytes
        }
        if let tls = try section.section("tls") {
            let files = try tls.tlsFiles()
            guard files.caFile == nil else { throw tls.error("ca", "not used by the event endpoint: set cert and key") }
            guard files.certificateFile != nil else { throw tls.error("cert", "required with tls: set cert and key") }
            self.tls = files
        }
    }
}

extension EventSourcesConfiguration.Schedule {
    fileprivate init(_ section: YAMLSection) throws(ConfigurationError) {
        try section.checkKeys(["name", "cron", "interval", "timezone", "missed", "event"])
        guard let name = try section.string("name") else { throw section.error("name", "required") }
        guard !name.isEmpty, name.utf8.allSatisfy(Self.isNameByte) else {
            throw section.error("name", "letters, digits, - and _ only, found \"\(name)\"")
        }
        self.name = name
        let zoneText = try section.string("timezone")
        switch (try section.string("cron"), try section.seconds("interval")) {
        case (let expression?, nil):
            var zone = ZoneRule.utc
            if let zoneText {
                guard let parsed = ZoneRule(identifier: zoneText) else {
                    throw section.error("timezone", "unknown time zone \"\(zoneText)\"")
                }
                zone = parsed
            }
            do {
                timing = .cron(try CronSchedule(expression, zone: zone))
            } catch {
                throw section.error("cron", error.description)
            }
        case (nil, let interval?):
            guard zoneText == nil else { throw section.error("timezone", "applies to cron only") }
            guard interval >= .seconds(1) else { throw section.error("interval", "must be at least 1s") }
            timing = .interval(interval)
        case (_?, _?): throw section.error("interval", "set cron or interval, not both")
        case (nil, nil): throw section.error("cron", "required: cron (5 fields) or interval")
        }
        if let missed = try section.string("missed") {
            guard let value = MissedTicks(rawValue: missed) else {
                throw section.error("missed", "expected skip or catchUpLast, found \"\(missed)\"")
            }
            self.missed = value
        }
        guard let event = try section.section("event") else { throw section.error("event", "required: type at least") }
        try event.checkKeys(["type", "source", "subject", "data"])
        guard let type = try event.string("type"), !type.isEmpty else { throw event.error("type", "required") }
        self.type = type
        source = try event.string("source") ?? source
        subject = try event.string("subject") ?? name
        for (key, token) in [("source", source), ("subject", subject)] where !EventSubject.isToken(token) {
            throw event.error(key, "must be one NATS subject token (no '.', '*', '>' or white space), found \"\(token)\"")
        }
        data = try event.eventValue("data")
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default: false
        }
    }
}

extension YAMLSection {
    /// The mappings of a list under `child` (none when absent).
    func sections(_ child: String) throws(ConfigurationError) -> [YAMLSection] {
        guard let value = try value(child) else { return [] }
        guard let sequence = value.sequence else { throw error(child, "expected a list") }
        var sections: [YAMLSection] = []
        for (index, item) in sequence.enumerated() {
            guard item.mapping != nil else { throw error(child, "item \(index): expected a mapping") }
            sections.append(YAMLSection(node: item, key: "\(path(child))[\(index)]", file: file))
        }
        return sections
    }

    /// The value under `child` as an event value: plain scalars typed as YAML resolves them, quoted ones strings.
    func eventValue(_ child: String) throws(ConfigurationError) -> EventValue? {
        try value(child).map(Self.eventValue)
    }

    private static func eventValue(_ node: Node) -> EventValue {
        switch node {
        case .scalar(let scalar):
            guard scalar.style == .plain else { return .string(scalar.string) }
            if node.null != nil { return .null }
            if let bool = node.bool { return .bool(bool) }
            if let int = node.int { return .int(Int64(int)) }
            if let double = node.float { return .double(double) }
            return .string(scalar.string)
        case .mapping(let mapping):
            var map = EventMap()
            for (key, value) in mapping { map[key.string ?? ""] = eventValue(value) }
            return .map(map)
        case .sequence(let sequence):
            return .array(sequence.map(eventValue))
        case .alias:
            return .null
        }
    }
}

/// The NATS subject of an event: `<prefix>.<source>.<subject>`, as sensor dependencies name them.
enum EventSubject {
    /// Whether `token` can be one token of a subject.
    static func isToken(_ token: String) -> Bool {
        !token.isEmpty
            && token.utf8.allSatisfy { byte in
                byte > 0x20 && byte != 0x7f && byte != UInt8(ascii: ".") && byte != UInt8(ascii: "*")
                    && byte != UInt8(ascii: ">")
            }
    }
}

extension Duration {
    /// Whole milliseconds, rounded down.
    fileprivate var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

extension Int64 {
    /// The remainder of flooring division: never negative for a positive `divisor`.
    fileprivate func modulo(_ divisor: Int64) -> Int64 {
        let remainder = self % divisor
        return remainder < 0 ? remainder + divisor : remainder
    }
}

extension EventTimestamp {
    /// The start, in milliseconds since the epoch, of the `interval` (counted from the epoch) holding this instant.
    fileprivate func intervalStart(_ interval: Duration) -> Int64 {
        let milliseconds = seconds * 1000 + Int64(nanoseconds / 1_000_000)
        return milliseconds - milliseconds.modulo(interval.wholeMilliseconds)
    }

    fileprivate static func fromMilliseconds(_ milliseconds: Int64) -> EventTimestamp {
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        return EventTimestamp(seconds: seconds, nanoseconds: UInt32((milliseconds - seconds * 1000) * 1_000_000))
    }
}

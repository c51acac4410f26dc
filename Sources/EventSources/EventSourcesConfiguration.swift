public import ConfigReader
public import EventModel
public import SensorLanguage

/// `sources:` in `gateway.yaml`: events that start outside NATS (HTTP calls, schedules) and are published into
/// JetStream before any sensor sees them.
///
/// - Configuration keys:
///   - `sources.http.listen` (`host:port`; unset: no HTTP endpoint), `sources.http.tokenFile` (the bearer token
///     clients must send), `sources.http.allowUnauthenticated` (`true` turns authentication off; one of the two is
///     required), `sources.http.maxBodyBytes` (default 1048576, the `EVENTS` stream's `max_msg_size`),
///     `sources.http.tls.cert|key` (PEM; both or neither).
///   - `sources.schedules`: a list of `name` (letters, digits, `-`, `_`), `cron` (5 fields) or `interval`
///     (a Go duration such as `30s`, `5m` or `1h30m`, at least 1 s), `timezone` (IANA, cron only, default UTC), `missed` (`skip`, the default, or
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
            case .interval(let interval):
                return .fromMilliseconds(instant.intervalStart(interval) + interval.wholeMilliseconds)
            }
        }
    }

    /// `sources.http`; nil: no HTTP endpoint.
    public var http: HTTP?
    /// `sources.schedules`.
    public var schedules: [Schedule] = []

    /// None.
    public init() {}

    /// Reads `sources:`, reporting every problem into `diagnostics`.
    package init(_ section: inout FieldReader, diagnostics: inout Diagnostics) {
        if var http = section.mapping("http", diagnostics: &diagnostics) {
            self.http = HTTP(&http, diagnostics: &diagnostics)
        }
        var names: Set<String> = []
        for (node, path) in section.list("schedules", diagnostics: &diagnostics) ?? [] {
            guard var entry = FieldReader(node, path: path, diagnostics: &diagnostics),
                let schedule = Schedule(&entry, diagnostics: &diagnostics)
            else { continue }
            if names.insert(schedule.name).inserted {
                schedules.append(schedule)
            } else {
                diagnostics.error(
                    "\(path).name: the name '\(schedule.name)' is used twice", at: entry.location(of: "name"),
                    path: "\(path).name")
            }
        }
        section.finish(diagnostics: &diagnostics, label: "unknown key")
    }
}

extension EventSourcesConfiguration.HTTP {
    fileprivate init?(_ section: inout FieldReader, diagnostics: inout Diagnostics) {
        defer { section.finish(diagnostics: &diagnostics, label: "unknown key") }
        let path = section.path
        guard let listen = section.string("listen", diagnostics: &diagnostics) else {
            diagnostics.error(
                "\(path).listen is required: host:port of the event endpoint", at: section.node, path: "\(path).listen")
            return nil
        }
        guard let (host, port) = ListenAddress.hostAndPort(listen) else {
            diagnostics.error(
                "\(path).listen: expected host:port with a port of 0–65535, found '\(listen)'",
                at: section.location(of: "listen"), path: "\(path).listen")
            return nil
        }
        (self.host, self.port) = (host, port)
        let tokenFile = section.string("tokenFile", diagnostics: &diagnostics)
        switch (tokenFile, section.bool("allowUnauthenticated", diagnostics: &diagnostics) ?? false) {
        case (let file?, false): authentication = .bearerTokenFile(file)
        case (nil, true): authentication = .none
        case (_?, true):
            diagnostics.error(
                "\(path).allowUnauthenticated: set tokenFile or allowUnauthenticated: true, not both",
                at: section.location(of: "allowUnauthenticated"), path: "\(path).allowUnauthenticated")
            return nil
        case (nil, false):
            diagnostics.error(
                "\(path).tokenFile is required: the bearer token file clients authenticate with (or allowUnauthenticated: true)",
                at: section.node, path: "\(path).tokenFile")
            return nil
        }
        if let bytes = section.integer("maxBodyBytes", diagnostics: &diagnostics) {
            if (1...(64 << 20)).contains(bytes) {
                maxBodyBytes = Int(bytes)
            } else {
                diagnostics.error(
                    "\(path).maxBodyBytes must be 1–67108864", at: section.location(of: "maxBodyBytes"),
                    path: "\(path).maxBodyBytes")
            }
        }
        if let files = section.tlsFiles("tls", diagnostics: &diagnostics) {
            if files.caFile != nil {
                diagnostics.error(
                    "\(path).tls.ca is not used by the event endpoint: set cert and key",
                    at: section.location(of: "tls"),
                    path: "\(path).tls.ca")
            } else if files.certificateFile == nil {
                diagnostics.error(
                    "\(path).tls.cert is required with tls: set cert and key", at: section.location(of: "tls"),
                    path: "\(path).tls.cert")
            } else {
                tls = files
            }
        }
    }
}

extension EventSourcesConfiguration.Schedule {
    fileprivate init?(_ section: inout FieldReader, diagnostics: inout Diagnostics) {
        defer { section.finish(diagnostics: &diagnostics, label: "unknown key") }
        let path = section.path
        func fail(_ key: String, _ reason: String, diagnostics: inout Diagnostics) {
            diagnostics.error("\(path).\(key)\(reason)", at: section.location(of: key), path: "\(path).\(key)")
        }
        guard let name = section.string("name", diagnostics: &diagnostics) else {
            fail("name", " is required", diagnostics: &diagnostics)
            return nil
        }
        guard !name.isEmpty, name.utf8.allSatisfy(Self.isNameByte) else {
            fail("name", ": letters, digits, - and _ only, found '\(name)'", diagnostics: &diagnostics)
            return nil
        }
        self.name = name
        guard let timing = Self.timing(&section, diagnostics: &diagnostics) else { return nil }
        self.timing = timing
        if let missed = section.string("missed", diagnostics: &diagnostics) {
            guard let value = MissedTicks(rawValue: missed) else {
                fail("missed", ": expected skip or catchUpLast, found '\(missed)'", diagnostics: &diagnostics)
                return nil
            }
            self.missed = value
        }
        guard var event = section.mapping("event", diagnostics: &diagnostics) else {
            fail("event", " is required: type at least", diagnostics: &diagnostics)
            return nil
        }
        defer { event.finish(diagnostics: &diagnostics, label: "unknown key") }
        guard let type = event.string("type", required: true, diagnostics: &diagnostics) else { return nil }
        self.type = type
        source = event.string("source", diagnostics: &diagnostics) ?? source
        subject = event.string("subject", diagnostics: &diagnostics) ?? name
        for (key, token) in [("source", source), ("subject", subject)] where !EventSubject.isToken(token) {
            diagnostics.error(
                "\(event.childPath(key)) must be one NATS subject token (no '.', '*', '>' or white space), found '\(token)'",
                at: event.location(of: key), path: event.childPath(key))
            return nil
        }
        data = event.take("data")?.eventValue
    }

    /// `cron` (with `timezone`) or `interval`.
    private static func timing(_ section: inout FieldReader, diagnostics: inout Diagnostics) -> Timing? {
        let path = section.path
        let zoneText = section.string("timezone", diagnostics: &diagnostics)
        let cron = section.string("cron", diagnostics: &diagnostics)
        let interval = section.duration("interval", bareNumber: .seconds, diagnostics: &diagnostics)
        func fail(_ key: String, _ reason: String, diagnostics: inout Diagnostics) -> Timing? {
            diagnostics.error("\(path).\(key)\(reason)", at: section.location(of: key), path: "\(path).\(key)")
            return nil
        }
        switch (cron, interval) {
        case (let expression?, nil):
            var zone = ZoneRule.utc
            if let zoneText {
                guard let parsed = ZoneRule(identifier: zoneText) else {
                    return fail("timezone", ": unknown time zone '\(zoneText)'", diagnostics: &diagnostics)
                }
                zone = parsed
            }
            do {
                return .cron(try CronSchedule(expression, zone: zone))
            } catch {
                return fail("cron", ": \(error.description)", diagnostics: &diagnostics)
            }
        case (nil, let interval?):
            guard zoneText == nil else { return fail("timezone", " applies to cron only", diagnostics: &diagnostics) }
            guard interval >= .seconds(1) else {
                return fail("interval", " must be at least 1s", diagnostics: &diagnostics)
            }
            return .interval(interval)
        case (_?, _?): return fail("interval", ": set cron or interval, not both", diagnostics: &diagnostics)
        case (nil, nil):
            if section.node["interval"] != nil { return nil }
            return fail("cron", " is required: cron (5 fields) or interval", diagnostics: &diagnostics)
        }
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

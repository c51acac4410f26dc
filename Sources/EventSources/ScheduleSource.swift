import ConfigReader
import EventModel
import Foundation
import JetStream
import Logging
public import ServiceLifecycle

/// The schedules of `sources.schedules`: on each tick, one event into JetStream.
///
/// The event's id and `Nats-Msg-Id` are `<name>@<tick time>` (RFC 3339) and its `time` is the tick, so every
/// replica publishes the same event and the stream stores it once. A publish that fails is retried every second
/// until the next tick. With `missed: catchUpLast`, the last tick emitted is kept in the KV bucket
/// `sensor-gateway-schedules`; at start, a schedule whose latest tick is newer emits that one tick.
public struct ScheduleSource: Service {
    /// The KV bucket of the last tick emitted by each `catchUpLast` schedule (key: the schedule's name).
    static let bucket = "sensor-gateway-schedules"

    private let schedules: [EventSourcesConfiguration.Schedule]
    private let publisher: EventSourcePublisher
    private let metrics: any EventSourceMetrics
    private let status: EventSourceState
    private let logger: Logger

    /// Creates the schedules' runner.
    /// - Parameters:
    ///   - schedules: `sources.schedules`.
    ///   - context: where to publish, count and report.
    public init(
        schedules: [EventSourcesConfiguration.Schedule], context: EventSourceContext
    ) {
        self.schedules = schedules
        self.publisher = EventSourcePublisher(store: context.store, subjectPrefix: context.subjectPrefix)
        self.metrics = context.metrics
        self.status = context.status
        self.logger = context.logger
        for schedule in schedules {
            let timing: EventValue
            switch schedule.timing {
            case .cron(let cron): timing = .string("cron \(cron)")
            case .interval(let interval): timing = .string("every \(interval)")
            }
            status.register(
                Self.label(schedule),
                settings: [
                    "schedule": timing, "missed": .string(schedule.missed.rawValue),
                    "subject": .string("\(context.subjectPrefix).\(schedule.source).\(schedule.subject)"),
                ])
        }
    }

    /// The metrics and `/status` label of a schedule.
    static func label(_ schedule: EventSourcesConfiguration.Schedule) -> String { "schedule:\(schedule.name)" }

    /// The id and `Nats-Msg-Id` of a tick's event.
    static func eventID(_ schedule: EventSourcesConfiguration.Schedule, tick: EventTimestamp) -> String {
        "\(schedule.name)@\(tick.rfc3339)"
    }

    /// Runs every schedule until graceful shutdown.
    public func run() async throws {
        let bucket = await lastTicks()
        await withDiscardingTaskGroup { group in
            for schedule in schedules {
                group.addTask { await self.run(schedule, bucket: bucket) }
            }
        }
    }

    /// Opens (creating it if needed) the bucket of last ticks once NATS is connected; nil without a `catchUpLast`
    /// schedule, or at shutdown.
    private func lastTicks() async -> KeyValueBucket? {
        guard schedules.contains(where: { $0.missed == .catchUpLast }) else { return nil }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if let connection = publisher.store.connection, connection.state == .connected {
                do {
                    var spec = KeyValueSpec(bucket: Self.bucket)
                    spec.description = "The last tick each catchUpLast schedule emitted"
                    spec.history = 1
                    _ = try await connection.createOrUpdate(spec)
                    return try await connection.keyValue(Self.bucket)
                } catch {
                    logger.warning(
                        "cannot open the schedules bucket; retrying",
                        metadata: ["bucket": "\(Self.bucket)", LoggingKeys.error: "\(error)"])
                }
            }
            _ = try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(200)) }
        }
        return nil
    }

    private func run(_ schedule: EventSourcesConfiguration.Schedule, bucket: KeyValueBucket?) async {
        let label = Self.label(schedule)
        var after = EventTimestamp.now()
        if schedule.missed == .catchUpLast, let bucket, let tick = schedule.previousTick(atOrBefore: after) {
            let last = try? await bucket.get(schedule.name).flatMap {
                EventTimestamp(rfc3339: String(decoding: $0.value, as: UTF8.self))
            }
            if let last, last < tick {
                logger.info("catching up a missed tick", metadata: ["schedule": "\(schedule.name)", "tick": "\(tick)"])
                await emit(schedule, tick: tick, next: schedule.nextTick(after: after), bucket: bucket)
            }
        }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            guard let tick = schedule.nextTick(after: after) else {
                logger.warning("the schedule has no next tick", metadata: ["schedule": "\(schedule.name)"])
                return
            }
            status.setNextTick(label, tick)
            guard await sleep(until: tick) else { return }
            await emit(schedule, tick: tick, next: schedule.nextTick(after: tick), bucket: bucket)
            after = tick
        }
    }

    /// Publishes the event of `tick`, retrying every second until `next`.
    private func emit(
        _ schedule: EventSourcesConfiguration.Schedule, tick: EventTimestamp, next: EventTimestamp?,
        bucket: KeyValueBucket?
    ) async {
        let label = Self.label(schedule)
        let event = Event(
            id: Self.eventID(schedule, tick: tick), source: schedule.source, type: schedule.type,
            subject: schedule.subject,
            time: tick, dataContentType: schedule.data == nil ? nil : "application/json", data: schedule.data)
        var attempt = 0
        while true {
            attempt += 1
            do throws(EventSourceError) {
                let (subject, ack) = try await publisher.publish(event)
                metrics.eventAccepted(source: label)
                status.accepted(label, event: event, subject: subject, ack: ack, at: EventTimestamp.now())
                logger.debug(
                    "schedule ticked",
                    metadata: [
                        "schedule": "\(schedule.name)", LoggingKeys.eventID: "\(event.id)",
                        LoggingKeys.streamSequence: "\(ack.sequence)", "duplicate": "\(ack.isDuplicate)",
                    ])
                if schedule.missed == .catchUpLast, let bucket {
                    do {
                        try await bucket.put(schedule.name, value: Array(tick.rfc3339.utf8))
                    } catch {
                        logger.warning(
                            "cannot record the tick",
                            metadata: ["schedule": "\(schedule.name)", LoggingKeys.error: "\(error)"])
                    }
                }
                return
            } catch {
                let retryAt = EventTimestamp.now().seconds + 1
                if attempt == 1 {
                    logger.warning(
                        "cannot publish the tick; retrying until the next one",
                        metadata: [
                            "schedule": "\(schedule.name)", LoggingKeys.eventID: "\(event.id)",
                            LoggingKeys.error: "\(error)",
                        ])
                }
                guard let next, retryAt < next.seconds, await sleep(until: EventTimestamp(seconds: retryAt)) else {
                    metrics.eventRejected(source: label, reason: error.reason)
                    status.rejected(label, error: error, at: EventTimestamp.now())
                    logger.error(
                        "tick not emitted",
                        metadata: ["schedule": "\(schedule.name)", LoggingKeys.eventID: "\(event.id)"])
                    return
                }
            }
        }
    }

    /// Sleeps until the wall clock reaches `instant`; false when shutdown came first.
    private func sleep(until instant: EventTimestamp) async -> Bool {
        let now = Date().timeIntervalSince1970
        let target = Double(instant.seconds) + Double(instant.nanoseconds) / 1e9
        let delay = max(0, target - now)
        _ = try? await cancelWhenGracefulShutdown {
            try await Task.sleep(for: .milliseconds(Int64((delay * 1000).rounded(.up))))
        }
        return !Task.isShuttingDownGracefully && !Task.isCancelled
    }
}

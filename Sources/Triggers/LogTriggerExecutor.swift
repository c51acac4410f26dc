import EventModel
import SensorEngine
import SensorModel
import Synchronization

/// The `log` trigger: one line per event through ``TriggerConfiguration/log``, at most once per `intervalSeconds`
/// per trigger.
final class LogTriggerExecutor: TriggerKindExecutor {
    /// The `engine` label of what it executes.
    static let engine = "log"
    private let context: TriggerContext
    /// When each trigger (`sensor/trigger`) last logged, by the configured clock.
    private let lastLog = Mutex<[String: Duration]>([:])

    init(context: TriggerContext) {
        self.context = context
    }

    func execute(_ firing: TriggerFiring) async -> TriggerExecution {
        guard case .log(let interval) = firing.trigger.kind else {
            return TriggerExecution(
                .permanent(reason: "trigger \(firing.trigger.name) is not a log trigger"), engine: Self.engine)
        }
        return TriggerExecution(log(firing, interval: interval), engine: Self.engine)
    }

    private func log(_ firing: TriggerFiring, interval: Int) -> TriggerOutcome {
        let identity = firing.identity
        let key = "\(identity.sensor)/\(identity.trigger)"
        let now = context.configuration.clock.now()
        let due = lastLog.withLock { last -> Bool in
            if interval > 0, let previous = last[key], now - previous < .seconds(interval) { return false }
            last[key] = now
            return true
        }
        guard due else { return .succeeded(detail: "log skipped (intervalSeconds \(interval))") }
        for (dependency, event) in firing.events.sorted(by: { $0.key < $1.key }) {
            let data = event.data.map(JSONCodec.encodeToString) ?? "null"
            context.configuration.log(
                "sensor \(identity.sensor) trigger \(identity.trigger): dependency \(dependency) event \(event.id) "
                    + "source \(event.source) type \(event.type) subject \(event.subject ?? "") data \(data) "
                    + "firing=\(identity.id)")
        }
        return .succeeded(detail: "logged \(firing.events.count) event(s)")
    }
}

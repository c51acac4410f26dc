public import ConfigReader
import Foundation
public import JetStream

/// Creates what the gateway needs on the server: the streams and buckets of `specs/jetstream`, and one durable
/// consumer per dependency subject.
///
/// The consumer spec of the events stream named `sensor-gateway` (`consumers/events-sensor-gateway.json`) is the
/// template of the per-subject consumers, not a consumer of its own.
public enum GatewayProvisioning {
    /// The durable name of the template consumer spec.
    public static let templateDurableName = "sensor-gateway"

    /// The specs of `configuration.specs` without the template, and the template.
    /// - Throws: ``ConfigurationError`` when a spec file is invalid.
    public static func specs(_ configuration: GatewayConfiguration) throws(ConfigurationError)
        -> (specs: JetStreamSpecs, template: ConsumerSpec?)
    {
        var specs = try JetStreamSpecs.load(directory: URL(fileURLWithPath: configuration.specs))
        let template = specs.consumers.first {
            $0.stream == configuration.nats.stream && $0.durableName == templateDurableName
        }
        specs.consumers.removeAll { $0.stream == configuration.nats.stream && $0.durableName == templateDurableName }
        return (specs, template)
    }

    /// Provisions the specs, then the consumers of `sensors`.
    /// - Returns: what was done to each resource.
    /// - Throws: ``ConfigurationError`` when a spec file is invalid (nothing is sent then), ``ProvisioningError``
    ///   when the server refuses a resource.
    public static func provision(
        connection: NATSConnection, configuration: GatewayConfiguration, sensors: SensorSet
    ) async throws -> [ProvisioningResult] {
        let (specs, template) = try self.specs(configuration)
        var results = try await connection.provision(specs)
        for subject in sensors.subjects {
            let spec = SensorSet.consumerSpec(subject: subject, stream: configuration.nats.stream, template: template)
            do {
                results.append(try await connection.createOrUpdate(spec))
            } catch {
                throw ProvisioningError.refused(
                    kind: .consumer, name: "\(spec.stream)/\(spec.durableName)", error: error)
            }
        }
        return results
    }
}

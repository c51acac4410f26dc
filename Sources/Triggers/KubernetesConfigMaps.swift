public import Artifacts
import EventModel
public import Kubernetes

/// `source.configmap` read through the Kubernetes API client.
public struct KubernetesConfigMaps: ConfigMapReading {
    let client: KubernetesClient

    /// Reads ConfigMaps through `client`.
    public init(client: KubernetesClient) {
        self.client = client
    }

    public func configMapData(namespace: String, name: String) async throws(ConfigMapReadError) -> [String: String] {
        let object: EventValue
        do {
            let type = try await client.resourceType(apiVersion: "v1", kind: "ConfigMap")
            object = try await client.get(type, namespace: namespace, name: name)
        } catch {
            switch error.kind {
            case .notFound: throw ConfigMapReadError(.notFound, error.description)
            case .unauthorized, .forbidden: throw ConfigMapReadError(.denied, error.description)
            default:
                throw ConfigMapReadError(error.isRetryable ? .unavailable : .denied, error.description)
            }
        }
        var data: [String: String] = [:]
        for (key, value) in object["data"]?.mapValue ?? [:] {
            if let text = value.stringValue { data[key] = text }
        }
        return data
    }
}

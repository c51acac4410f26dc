public import ConfigReader
import Foundation
public import Kubernetes

/// `sensors.kubernetes`: the Sensor objects (`sensors.argoproj.io/v1alpha1`) the gateway runs beside its files.
public struct KubernetesSensorSource: Sendable, Hashable {
    /// `namespaces`: the namespaces watched, each on its own; empty: every namespace (which needs cluster-wide
    /// RBAC).
    public var namespaces: [String]
    /// `selector`: the label selector a Sensor must match (`team=ml`, `tier in (a,b)`); `nil`: every Sensor.
    public var selector: String?
    /// Where `sensors.kubernetes` is written: the start-up error without a Kubernetes API points there.
    public var location: SourceLocation

    /// A source.
    public init(namespaces: [String] = [], selector: String? = nil, location: SourceLocation) {
        self.namespaces = namespaces
        self.selector = selector
        self.location = location
    }

    /// The Sensor resource.
    public static let resource = ResourceType(
        group: "argoproj.io", version: "v1alpha1", kind: "Sensor", plural: "sensors", namespaced: true)
}

extension GatewayConfiguration {
    /// Reads `sensors`: a path (file or directory), or a mapping with `files` (that path) and `kubernetes`
    /// (`namespaces`, a list; `selector`, a label selector), either or both.
    mutating func readSensors(_ root: inout FieldReader, diagnostics: inout Diagnostics) {
        guard let node = root.take("sensors") else { return }
        if let path = node.scalarText {
            sensors = path
            return
        }
        guard var section = FieldReader(node, path: "sensors", diagnostics: &diagnostics) else { return }
        sensors = section.string("files", diagnostics: &diagnostics)
        if let kubernetesNode = section.take("kubernetes") {
            kubernetesSensors = Self.readKubernetesSensors(kubernetesNode, diagnostics: &diagnostics)
        } else if section.node["kubernetes"] != nil {
            // `kubernetes:` with nothing after it: every namespace, every Sensor.
            kubernetesSensors = KubernetesSensorSource(location: section.location(of: "kubernetes"))
        }
        if sensors == nil && kubernetesSensors == nil && section.node["files"] == nil {
            diagnostics.error(
                "sensors: set files (a file or directory), kubernetes (Sensor objects), or both", at: node,
                path: "sensors")
        }
        section.finish(diagnostics: &diagnostics, label: "unknown key")
    }

    private static func readKubernetesSensors(_ node: YAMLTree, diagnostics: inout Diagnostics)
        -> KubernetesSensorSource?
    {
        guard var section = FieldReader(node, path: "sensors.kubernetes", diagnostics: &diagnostics) else {
            return nil
        }
        var source = KubernetesSensorSource(location: node.location)
        for (element, path) in section.list("namespaces", diagnostics: &diagnostics) ?? [] {
            guard let namespace = element.scalarText, isNamespaceName(namespace) else {
                diagnostics.error(
                    "\(path) must be a namespace name (lower-case letters, digits and '-', at most 63), found "
                        + "'\(element.scalarText ?? "")'", at: element, path: path)
                continue
            }
            if !source.namespaces.contains(namespace) { source.namespaces.append(namespace) }
        }
        if let selector = section.string("selector", diagnostics: &diagnostics) {
            if selector.trimmingCharacters(in: .whitespaces).isEmpty {
                diagnostics.error(
                    "sensors.kubernetes.selector must not be empty (leave it out to take every Sensor)",
                    at: section.location(of: "selector"), path: "sensors.kubernetes.selector")
            } else {
                source.selector = selector
            }
        }
        section.finish(diagnostics: &diagnostics, label: "unknown key")
        return source
    }

    /// An RFC 1123 label, as namespace names are.
    private static func isNamespaceName(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        guard (1...63).contains(scalars.count), scalars.first != "-", scalars.last != "-" else { return false }
        return scalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    /// Throws when `sensors.kubernetes` is set and there is no Kubernetes API to read Sensors from.
    /// - Parameter connection: what ``kubernetesConnection()`` found.
    /// - Throws: ``ConfigurationError`` at `sensors.kubernetes`.
    public func requireKubernetesForSensors(_ connection: KubernetesConnection?) throws(ConfigurationError) {
        guard let source = kubernetesSensors, connection == nil else { return }
        throw ConfigurationError(
            at: source.location,
            "sensors.kubernetes needs a Kubernetes API: set kubernetes.server or kubernetes.kubeconfig, run in a "
                + "pod, or provide a kubeconfig")
    }
}

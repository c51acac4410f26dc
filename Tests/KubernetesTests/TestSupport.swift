import EventModel
import Foundation
import HTTPTransport
import Kubernetes
import LoopbackTesting

/// A fresh directory under the system's temporary directory, removed by ``remove()``.
struct ScratchDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("sg-k8s-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Writes `text` to `name` in the directory (creating subdirectories) and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try FileManager.default.createDirectory(
            atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// A client of `standIn` in namespace `argo`, authenticated with `token` (none: no Authorization header).
func makeClient(_ standIn: KubernetesStandIn, token: BearerToken.Source? = .value("secret")) throws
    -> KubernetesClient
{
    try KubernetesClient(
        connection: KubernetesConnection(origin: .explicit, server: standIn.base, namespace: "argo", token: token))
}

/// A ConfigMap named `name` with `data`.
func configMap(_ name: String, _ data: EventMap = ["greeting": "hello"]) -> EventValue {
    ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name)], "data": .map(data)]
}

/// A valid one-step Workflow; with `generateName`, the server names it.
func workflow(name: String? = nil, generateName: String? = nil) -> EventValue {
    var metadata: EventMap = [:]
    if let name { metadata["name"] = .string(name) }
    if let generateName { metadata["generateName"] = .string(generateName) }
    return [
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": .map(metadata),
        "spec": [
            "entrypoint": "main",
            "templates": [["name": "main", "container": ["image": "busybox", "command": ["echo", "hello"]]]],
        ],
    ]
}

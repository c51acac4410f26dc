import Foundation
import Synchronization

/// A JetStream cluster of `nats-server` processes on loopback, for tests: each node has its own client, cluster and
/// monitoring port and its own file store, with routes to the others.
///
/// ```swift
/// let cluster = try await NATSCluster.start()
/// defer { cluster.stop() }
/// let connection = try await NATSConnection.connect(ConnectionOptions(urls: cluster.urls))
/// cluster.kill(1)                 // kill -9 (or terminate(1): SIGTERM)
/// try await cluster.restart(1)    // same ports and store; returns once the cluster is whole again
/// ```
///
/// Node `i` is the server named ``serverNames``[i] (what a stream's info calls its leader).
public final class NATSCluster: Sendable {
    /// Why the cluster did not form.
    public struct FormationError: Error, CustomStringConvertible {
        /// What was missing, with each node's view.
        public let description: String
    }

    /// The cluster's name.
    public let name: String
    /// The servers' names, by node.
    public let serverNames: [String]
    /// The client URLs, by node.
    public let urls: [String]
    private let monitorPorts: [Int]
    private let nodes: Mutex<[NATSServerProcess]>

    private init(name: String, serverNames: [String], nodes: [NATSServerProcess], monitorPorts: [Int]) {
        self.name = name
        self.serverNames = serverNames
        self.urls = nodes.map(\.url)
        self.monitorPorts = monitorPorts
        self.nodes = Mutex(nodes)
    }

    /// Starts `size` nodes and returns once they have elected a meta leader and every node is a current peer.
    /// - Throws: ``NATSServerProcess/StartError`` when a node does not start, ``FormationError`` when the cluster
    ///   has not formed within `timeout`.
    public static func start(size: Int = 3, timeout: Duration = .seconds(30)) async throws -> NATSCluster {
        let name = "sg-test-\(UUID().uuidString.prefix(8).lowercased())"
        var ports: Set<Int> = []
        while ports.count < 3 * size { ports.insert(try NATSServerProcess.freeLoopbackPort()) }
        let chosen = Array(ports)
        let clientPorts = Array(chosen[0..<size])
        let routePorts = Array(chosen[size..<2 * size])
        let monitorPorts = Array(chosen[2 * size..<3 * size])
        let serverNames = (1...size).map { "n\($0)" }
        var nodes: [NATSServerProcess] = []
        do {
            for index in 0..<size {
                let routes = routePorts.indices.filter { $0 != index }.map { "nats://127.0.0.1:\(routePorts[$0])" }
                nodes.append(
                    try NATSServerProcess.start(
                        port: clientPorts[index],
                        arguments: [
                            "--server_name", serverNames[index], "--cluster_name", name,
                            "--cluster", "nats://127.0.0.1:\(routePorts[index])",
                            "--routes", routes.joined(separator: ","), "-m", "\(monitorPorts[index])",
                        ]))
            }
        } catch {
            for node in nodes { node.stop() }
            throw error
        }
        let cluster = NATSCluster(name: name, serverNames: serverNames, nodes: nodes, monitorPorts: monitorPorts)
        do {
            try await cluster.waitUntilFormed(timeout: timeout)
        } catch {
            cluster.stop()
            throw error
        }
        return cluster
    }

    /// The node whose server is named `serverName`.
    public func index(ofServer serverName: String) -> Int? {
        serverNames.firstIndex(of: serverName)
    }

    /// Kills node `index` with SIGKILL (no clean shutdown, as in a crash) and waits for it to exit.
    public func kill(_ index: Int) {
        nodes.withLock { $0[index] }.kill()
    }

    /// Stops node `index` with SIGTERM (as a rolling restart does; SIGKILL after 5 s), keeping its store.
    public func terminate(_ index: Int) {
        nodes.withLock { $0[index] }.stop(removingStore: false)
    }

    /// Starts node `index` again (killing it first if it runs) on the same ports and store, and returns once the
    /// cluster is whole again (``waitUntilFormed(timeout:)``).
    /// - Throws: as ``start(size:timeout:)``.
    public func restart(_ index: Int, timeout: Duration = .seconds(60)) async throws {
        let restarted = try nodes.withLock { $0[index] }.restarted()
        nodes.withLock { $0[index] = restarted }
        try await waitUntilFormed(timeout: timeout)
    }

    /// Waits until every node names the same meta leader, the leader counts every other node as a current peer, and
    /// every node's `/healthz` is ok (its streams and consumers are caught up).
    /// - Throws: ``FormationError`` with each node's view when that does not happen within `timeout`.
    public func waitUntilFormed(timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        var views: [String] = []
        while ContinuousClock.now < deadline {
            views = []
            var leaders: Set<String> = []
            var currentPeers: [String: Int] = [:]
            var healthy = 0
            for (index, port) in monitorPorts.enumerated() {
                let jsz = Self.json(port: port, path: "/jsz")
                let meta = jsz?["meta_cluster"] as? [String: Any]
                let leader = meta?["leader"] as? String ?? ""
                leaders.insert(leader)
                let replicas = meta?["replicas"] as? [[String: Any]] ?? []
                currentPeers[serverNames[index]] = replicas.filter { $0["current"] as? Bool == true }.count
                let health = Self.json(port: port, path: "/healthz")?["status"] as? String
                if health == "ok" { healthy += 1 }
                views.append("\(serverNames[index]): leader \(leader.isEmpty ? "-" : leader), health \(health ?? "-")")
            }
            if leaders.count == 1, let leader = leaders.first, !leader.isEmpty,
                currentPeers[leader] == serverNames.count - 1, healthy == serverNames.count
            {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw FormationError(
            description: "the cluster \(name) did not form within \(timeout): \(views.joined(separator: "; "))")
    }

    /// Stops every node and removes the stores.
    public func stop() {
        for node in nodes.withLock({ $0 }) { node.stop() }
    }

    /// A JSON object from the monitoring port, or nil when the node does not answer.
    private static func json(port: Int, path: String) -> [String: Any]? {
        guard let body = MonitoringRequest.get(port: port, path: path) else { return nil }
        return (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
    }
}

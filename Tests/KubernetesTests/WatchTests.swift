import EventModel
import Foundation
import Kubernetes
import LoopbackTesting
import Testing

@Suite("Watching a collection", .timeLimit(.minutes(3)))
struct WatchTests {
    static let configMaps = ResourceType.wellKnown(apiVersion: "v1", kind: "ConfigMap")

    /// The next event that is not a bookmark.
    static func nextChange(_ events: inout AsyncThrowingStream<WatchEvent, any Error>.Iterator) async throws
        -> WatchEvent?
    {
        while let event = try await events.next() {
            if event.kind != .bookmark { return event }
        }
        return nil
    }

    @Test("changes arrive as they happen, on one long-lived request, filtered by namespace and labels")
    func changes() async throws {
        let standIn = try KubernetesStandIn(token: "secret")
        let client = try makeClient(standIn)
        let configMaps = try #require(Self.configMaps)
        let start = try await client.list(configMaps, namespace: "argo")
        var events = client.watch(
            configMaps, namespace: "argo", labelSelector: "team=a", resourceVersion: start.resourceVersion
        ).makeAsyncIterator()
        var labelled = try #require(configMap("settings").mapValue)
        labelled["metadata"] = ["name": "settings", "labels": ["team": "a"]]
        _ = try await client.create(configMaps, namespace: "other", object: .map(labelled))
        _ = try await client.create(configMaps, namespace: "argo", object: configMap("unlabelled"))
        _ = try await client.create(configMaps, namespace: "argo", object: .map(labelled))
        let added = try await Self.nextChange(&events)
        #expect(added?.kind == .added && added?.object["metadata"]?["namespace"] == "argo")
        _ = try await client.patch(
            configMaps, namespace: "argo", name: "settings", patch: ["data": ["greeting": "hi"]], strategy: .merge)
        let modified = try await Self.nextChange(&events)
        #expect(modified?.kind == .modified && modified?.object["data"]?["greeting"] == "hi")
        try await client.delete(configMaps, namespace: "argo", name: "settings")
        let deleted = try await Self.nextChange(&events)
        #expect(deleted?.kind == .deleted && deleted?.object["metadata"]?["name"] == "settings")
        #expect((modified?.resourceVersion).flatMap(Int.init) ?? 0 > (added?.resourceVersion).flatMap(Int.init) ?? 0)
        let watches = try await standIn.log().filter { $0.query.contains("watch=true") }
        #expect(watches.count == 1)
        #expect(watches.first?.query.contains("allowWatchBookmarks=true") == true)
        #expect(watches.first?.query.contains("labelSelector=team%3Da") == true)
        await client.shutdown()
        await standIn.stop()
    }

    @Test("a watch resumes from a resourceVersion: only later changes come; bookmarks carry the version")
    func resume() async throws {
        let standIn = try KubernetesStandIn(token: "secret")
        try await standIn.control(["bookmarkInterval": 0.2])
        let client = try makeClient(standIn)
        let configMaps = try #require(Self.configMaps)
        let first = try await client.create(configMaps, namespace: "argo", object: configMap("a"))
        _ = try await client.create(configMaps, namespace: "argo", object: configMap("b"))
        _ = try await client.create(configMaps, namespace: "argo", object: configMap("c"))
        var events = client.watch(
            configMaps, namespace: nil,
            resourceVersion: try #require(first["metadata"]?["resourceVersion"]?.stringValue)
        ).makeAsyncIterator()
        let b = try await Self.nextChange(&events)
        let c = try await Self.nextChange(&events)
        #expect([b, c].map { $0?.object["metadata"]?["name"] } == ["b", "c"])
        var bookmark: WatchEvent?
        while let event = try await events.next(), bookmark == nil {
            if event.kind == .bookmark { bookmark = event }
        }
        #expect(bookmark?.resourceVersion == c?.resourceVersion)
        await client.shutdown()
        await standIn.stop()
    }

    @Test("after compaction an old resourceVersion is gone (410): the stream throws gone")
    func gone() async throws {
        let standIn = try KubernetesStandIn(token: "secret")
        let client = try makeClient(standIn)
        let configMaps = try #require(Self.configMaps)
        let old = try await client.list(configMaps, namespace: "argo").resourceVersion
        _ = try await client.create(configMaps, namespace: "argo", object: configMap("a"))
        try await standIn.compact()
        var events = client.watch(configMaps, namespace: "argo", resourceVersion: old).makeAsyncIterator()
        await #expect {
            _ = try await events.next()
        } throws: { error in
            (error as? KubernetesError)?.kind == .gone && (error as? KubernetesError)?.status == 410
        }
        // An HTTP 410 answer to the watch request itself is gone too.
        try await standIn.fault("/api/v1/namespaces/argo/configmaps", status: 410, message: "too old resource version")
        var refused = client.watch(configMaps, namespace: "argo", resourceVersion: "1").makeAsyncIterator()
        await #expect {
            _ = try await refused.next()
        } throws: { error in
            (error as? KubernetesError)?.kind == .gone
        }
        await client.shutdown()
        await standIn.stop()
    }

    @Test("cancelling the task that iterates a watch ends its request; so does letting go of the stream")
    func cancel() async throws {
        let standIn = try KubernetesStandIn(token: "secret")
        let client = try makeClient(standIn)
        let configMaps = try #require(Self.configMaps)
        _ = try await client.create(configMaps, namespace: "argo", object: configMap("a"))
        let seen = try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask {
                var count = 0
                for try await _ in client.watch(configMaps, namespace: "argo", resourceVersion: "") { count += 1 }
                return count
            }
            while try await standIn.activeWatches() == 0 { try await Task.sleep(for: .milliseconds(50)) }
            group.cancelAll()
            return try await group.next() ?? -1
        }
        #expect(seen >= 0)
        #expect(try await Self.activeWatches(standIn, settlingAt: 0) == 0)

        #expect(
            try await Self.firstEvent(client.watch(configMaps, namespace: "argo", resourceVersion: ""))?.kind == .added)
        #expect(try await Self.activeWatches(standIn, settlingAt: 0) == 0)
        await client.shutdown()
        await standIn.stop()
    }

    /// Reads one event, then lets go of the stream.
    static func firstEvent(_ events: AsyncThrowingStream<WatchEvent, any Error>) async throws -> WatchEvent? {
        for try await event in events { return event }
        return nil
    }

    /// The stand-in's count of watches, once it is `expected` (or after 10 s).
    static func activeWatches(_ standIn: KubernetesStandIn, settlingAt expected: Int) async throws -> Int {
        var active = -1
        for _ in 0..<100 {
            active = try await standIn.activeWatches()
            if active == expected { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        return active
    }
}

import Foundation
import JetStream
import JetStreamTesting
import Testing

/// Against a real nats-server each (started and stopped by the test). Serialized: the redelivery timings are
/// measured, and the machine has two cores.
@Suite("JetStream against nats-server", .serialized, .timeLimit(.minutes(2)))
struct JetStreamTests {
    @Test("10k messages published and consumed in order with acks; none left pending")
    func tenThousandInOrder() async throws {
        try await withServer { server in
            try await withConnection(to: server) { connection in
                let consumer = try await makeStreamAndConsumer(connection, stream: "ORDER", subjects: ["order.>"])
                let count = 10_000
                let messages = (0..<count).map { index in
                    OutgoingMessage(subject: "order.test", data: Array("\(index)".utf8), messageID: "order-\(index)")
                }
                let result = try await connection.publishBatch(messages)
                #expect(result.acknowledged == count)
                #expect(result.failures.isEmpty)

                var expected = 0
                var lastStreamSequence: UInt64 = 0
                for try await message in consumer.messages(.init(batchSize: 256, maxWait: .seconds(1))) {
                    #expect(message.subject == "order.test")
                    #expect(String(decoding: message.data, as: UTF8.self) == "\(expected)")
                    let metadata = try message.metadata()
                    #expect(metadata.streamSequence == lastStreamSequence + 1)
                    #expect(metadata.deliveries == 1)
                    lastStreamSequence = metadata.streamSequence
                    try message.ack()
                    expected += 1
                    if expected == count { break }
                }
                #expect(expected == count)
                let settled = try await eventually {
                    let info = try await consumer.info()
                    return info.ackPending == 0 && info.pending == 0 && info.ackFloorStreamSequence == UInt64(count)
                }
                #expect(settled, "every message acknowledged and none pending")
            }
        }
    }

    @Test("a message not acked is redelivered after ack_wait")
    func redeliveryAfterAckWait() async throws {
        try await withServer { server in
            try await withConnection(to: server) { connection in
                let consumer = try await makeStreamAndConsumer(
                    connection, stream: "REDELIVER", subjects: ["redeliver.>"]
                ) {
                    $0.ackWait = .seconds(2)
                }
                let clock = ContinuousClock()
                // The server delivers after the publish, so its redelivery comes at least ack_wait after it.
                let publishedAt = clock.now
                _ = try await connection.publish(OutgoingMessage(subject: "redeliver.one", data: [1]))
                let first = try #require(try await nextMessage(consumer, wait: .seconds(2)))
                #expect(try first.metadata().deliveries == 1)
                #expect(try await nextMessage(consumer, wait: .milliseconds(500)) == nil, "not before ack_wait")
                let second = try #require(try await nextMessage(consumer, wait: .seconds(4)))
                #expect(clock.now - publishedAt >= .seconds(2))
                #expect(try second.metadata().streamSequence == first.metadata().streamSequence)
                #expect(try second.metadata().deliveries == 2)
                try second.ack()
            }
        }
    }

    @Test("a message keeps its subscription: acked after its consumer was dropped, the ack reaches the server")
    func messageOutlivesItsConsumer() async throws {
        try await withServer { server in
            try await withConnection(to: server) { connection in
                // What a shutting-down consumer loop does: its last reference goes while messages are still settled.
                let message = try await Self.messageOfDroppedConsumer(connection)
                try message.inProgress()
                try message.ack()
                let settled = try await eventually {
                    let info = try await connection.consumerInfo(stream: "OUTLIVE", consumer: "worker")
                    return info.ackPending == 0 && info.ackFloorStreamSequence == 1
                }
                #expect(settled, "the ack sent after the consumer was dropped reached the server")
            }
        }
    }

    /// The first message of a new consumer, whose object is gone (but for the message's hold) when this returns.
    private static func messageOfDroppedConsumer(_ connection: NATSConnection) async throws -> JetStreamMessage {
        let consumer = try await makeStreamAndConsumer(connection, stream: "OUTLIVE", subjects: ["outlive.>"])
        _ = try await connection.publish(OutgoingMessage(subject: "outlive.one", data: [1]))
        return try #require(try await nextMessage(consumer, wait: .seconds(2)))
    }

    @Test("nak with a delay: redelivered after about the delay, not before")
    func nakWithDelay() async throws {
        try await withServer { server in
            try await withConnection(to: server) { connection in
                let consumer = try await makeStreamAndConsumer(connection, stream: "NAK", subjects: ["nak.>"]) {
                    $0.ackWait = .seconds(30)
                }
                _ = try await connection.publish(OutgoingMessage(subject: "nak.one", data: [1]))
                let clock = ContinuousClock()
                let first = try #require(try await nextMessage(consumer, wait: .seconds(2)))
                try first.nak(delay: .milliseconds(1200))
                let nakedAt = clock.now
                #expect(try await nextMessage(consumer, wait: .milliseconds(700)) == nil, "not before the delay")
                let second = try #require(try await nextMessage(consumer, wait: .seconds(3)))
                let waited = clock.now - nakedAt
                #expect(waited >= .milliseconds(1100) && waited < .seconds(4), "redelivered after \(waited)")
                #expect(try second.metadata().deliveries == 2)
                try second.ack()
                #expect(throws: NATSError.self) { try second.ack() }
            }
        }
    }

    @Test("term: never delivered again")
    func termIsFinal() async throws {
        try await withServer { server in
            try await withConnection(to: server) { connection in
                let consumer = try await makeStreamAndConsumer(connection, stream: "TERM", subjects: ["term.>"]) {
                    $0.ackWait = .milliseconds(500)
                }
                _ = try await connection.publish(OutgoingMessage(subject: "term.one", data: [1]))
                let message = try #require(try await nextMessage(consumer, wait: .seconds(2)))
                try message.term()
                #expect(try await nextMessage(consumer, wait: .seconds(2)) == nil, "no redelivery past 4 × ack_wait")
                let info = try await consumer.info()
                #expect(info.ackPending == 0)
                #expect(info.pending == 0)
            }
        }
    }

    @Test("max_deliver exhaustion is visible: the last delivery says so, and none follows")
    func maxDeliverExhaustion() async throws {
        try await withServer { server in
            try await withConnection(to: server) { connection in
                let consumer = try await makeStreamAndConsumer(connection, stream: "EXHAUST", subjects: ["exhaust.>"]) {
                    $0.ackWait = .milliseconds(500)
                    $0.maxDeliver = 2
                }
                #expect(consumer.maximumDeliveries == 2)
                _ = try await connection.publish(OutgoingMessage(subject: "exhaust.one", data: [1]))
                let first = try #require(try await nextMessage(consumer, wait: .seconds(2)))
                #expect(!first.isLastDelivery)
                try first.nak()
                let last = try #require(try await nextMessage(consumer, wait: .seconds(2)))
                #expect(try last.metadata().deliveries == 2)
                #expect(last.isLastDelivery)
                try last.nak()
                #expect(try await nextMessage(consumer, wait: .seconds(2)) == nil, "no third delivery")
            }
        }
    }

    @Test("leaving the loop early: messages fetched but not handed out are redelivered at once, not after ack_wait")
    func earlyExitRedeliversUnread() async throws {
        try await withServer { server in
            try await withConnection(to: server) { connection in
                let consumer = try await makeStreamAndConsumer(connection, stream: "EARLY", subjects: ["early.>"]) {
                    $0.ackWait = .seconds(30)
                }
                let result = try await connection.publishBatch(
                    (0..<10).map { OutgoingMessage(subject: "early.n", data: [UInt8($0)]) })
                #expect(result.acknowledged == 10)
                for try await message in consumer.messages(.init(batchSize: 4, maxWait: .seconds(1))) {
                    #expect(message.data == [0])
                    try message.ack()
                    break
                }
                var rest: [UInt8] = []
                while rest.count < 9, let message = try await nextMessage(consumer, wait: .seconds(2)) {
                    rest.append(message.data[0])
                    try message.ack()
                }
                #expect(rest.sorted() == Array(1...9))
            }
        }
    }

    @Test("coalescesAcks: every message acked on the acks' connection; acks given just before close reach the server")
    func coalescedAcks() async throws {
        try await withServer { server in
            var options = testOptions(server.url)
            options.coalescesAcks = true
            let connection = try await NATSConnection.connect(options)
            let consumer = try await makeStreamAndConsumer(connection, stream: "ACKS", subjects: ["acks.>"])
            let count = 500
            _ = try await connection.publishBatch(
                (0..<count).map { OutgoingMessage(subject: "acks.n", data: Array("\($0)".utf8)) })
            var received = 0
            for try await message in consumer.messages(.init(batchSize: 100, maxWait: .seconds(1))) {
                try message.ack()
                received += 1
                if received == count { break }
            }
            // Closed right after the last ack: the acks still buffered are flushed first. The server applies acks to
            // its consumer asynchronously after reading them, so the observer waits (up to 5 s) for them to count.
            await connection.close()
            let observer = try await NATSConnection.connect(testOptions(server.url))
            let deadline = ContinuousClock.now + .seconds(5)
            var info = try await observer.consumerInfo(stream: "ACKS", consumer: "worker")
            while info.ackPending > 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
                info = try await observer.consumerInfo(stream: "ACKS", consumer: "worker")
            }
            await observer.close()
            #expect(received == count)
            #expect(info.ackPending == 0)
            #expect(info.ackFloorStreamSequence == UInt64(count))
        }
    }

    @Test("drain while a consumer iterates: its sequence ends without error, and the connection closes")
    func drainEndsConsumers() async throws {
        try await withServer { server in
            let connection = try await NATSConnection.connect(testOptions(server.url))
            let consumer = try await makeStreamAndConsumer(connection, stream: "DRAIN", subjects: ["drain.>"])
            _ = try await connection.publishBatch(
                (0..<3).map { OutgoingMessage(subject: "drain.n", data: [UInt8($0)]) })
            let received = try await withThrowingTaskGroup(of: Int.self) { group in
                group.addTask {
                    var count = 0
                    for try await message in consumer.messages(.init(batchSize: 2, maxWait: .milliseconds(500))) {
                        try message.ack()
                        count += 1
                    }
                    return count
                }
                let acked = await eventually { (try? await consumer.info().ackFloorStreamSequence) == 3 }
                #expect(acked)
                try await connection.drain(timeout: .seconds(5))
                return try await group.next() ?? -1
            }
            #expect(received == 3)
            #expect(connection.state == .closed)
        }
    }

    @Test("Nats-Msg-Id: a second publish with the same id is reported duplicate and not stored")
    func deduplication() async throws {
        try await withServer { server in
            try await withConnection(to: server) { connection in
                try await connection.createOrUpdate(StreamSpec(name: "DEDUP", subjects: ["dedup.>"]))
                let message = OutgoingMessage(
                    subject: "dedup.one", data: [1], headers: ["ce-type": "t"], messageID: "id-1")
                let first = try await connection.publish(message)
                let second = try await connection.publish(message)
                #expect(first.stream == "DEDUP")
                #expect(!first.isDuplicate)
                #expect(second.isDuplicate)
                #expect(second.sequence == first.sequence)
                var consumer = ConsumerSpec(stream: "DEDUP", durableName: "reader")
                consumer.ackPolicy = .explicit
                try await connection.createOrUpdate(consumer)
                let reader = try await connection.pullConsumer(stream: "DEDUP", durable: "reader")
                let delivered = try await reader.fetch(.init(batchSize: 10, maxWait: .milliseconds(500)))
                #expect(delivered.count == 1)
                #expect(delivered.first?.header("ce-type") == "t")
                #expect(delivered.first?.headers["Nats-Msg-Id"] == ["id-1"])
            }
        }
    }

    @Test("returnsPartialBatch: a pull request returns what is there, or the first arrival, without waiting to fill up")
    func partialBatch() async throws {
        try await withServer { server in
            try await withConnection(to: server) { connection in
                let consumer = try await makeStreamAndConsumer(connection, stream: "PARTIAL", subjects: ["partial.>"])
                for index in 0..<3 {
                    _ = try await connection.publish(OutgoingMessage(subject: "partial.x", data: [UInt8(index)]))
                }
                let clock = ContinuousClock()
                let options = PullConsumer.FetchOptions(batchSize: 100, maxWait: .seconds(5), returnsPartialBatch: true)
                var started = clock.now
                let present = try await consumer.fetch(options)
                #expect(present.map { $0.data } == [[0], [1], [2]])
                #expect(clock.now - started < .seconds(2))
                for message in present { try message.ack() }
                // Nothing there: the request waits for the first message and returns with it.
                let publisher = Task {
                    try await Task.sleep(for: .milliseconds(200))
                    _ = try await connection.publish(OutgoingMessage(subject: "partial.x", data: [3]))
                }
                started = clock.now
                let arrived = try await consumer.fetch(options)
                try await publisher.value
                #expect(arrived.map { $0.data } == [[3]])
                #expect(clock.now - started < .seconds(2))
            }
        }
    }

    @Test("batchSize above the consumer's max_batch asks for max_batch, which the server accepts")
    func pullRequestWithinMaxBatch() async throws {
        try await withServer { server in
            try await withConnection(to: server) { connection in
                let consumer = try await makeStreamAndConsumer(connection, stream: "BATCH", subjects: ["batch.>"]) {
                    $0.maxBatch = 4
                }
                for index in 0..<10 {
                    _ = try await connection.publish(OutgoingMessage(subject: "batch.x", data: [UInt8(index)]))
                }
                let options = PullConsumer.FetchOptions(batchSize: 256, maxWait: .seconds(5), returnsPartialBatch: true)
                let batch = try await consumer.fetch(options)
                #expect(batch.map { $0.data } == [[0], [1], [2], [3]])
                for message in batch { try message.ack() }
            }
        }
    }

    @Test("batches: one pull request per batch asked for, none ahead; an expired pull request is an empty batch")
    func batchesFetchOnlyWhenAsked() async throws {
        try await withServer { server in
            try await withConnection(to: server) { connection in
                let consumer = try await makeStreamAndConsumer(connection, stream: "BATCHES", subjects: ["batches.>"]) {
                    $0.maxBatch = 4
                }
                for index in 0..<6 {
                    _ = try await connection.publish(OutgoingMessage(subject: "batches.x", data: [UInt8(index)]))
                }
                let options = PullConsumer.FetchOptions(
                    batchSize: 256, maxWait: .milliseconds(300), returnsPartialBatch: true)
                var batches = consumer.batches(options).makeAsyncIterator()
                let firstBatch = try await batches.next()
                let first = try #require(firstBatch)
                #expect(first.map { $0.data } == [[0], [1], [2], [3]], "capped at max_batch")
                // Nothing is fetched while the caller holds its batch: the rest stays pending at the server.
                try await Task.sleep(for: .milliseconds(500))
                #expect(try await consumer.info().pending == 2)
                for message in first { try message.ack() }
                let secondBatch = try await batches.next()
                let second = try #require(secondBatch)
                #expect(second.map { $0.data } == [[4], [5]])
                for message in second { try message.ack() }
                let expired = try await batches.next()?.isEmpty
                #expect(expired == true, "nothing pending: the pull request expired")
                let cancelled = Task {
                    withUnsafeCurrentTask { $0?.cancel() }
                    var batches = consumer.batches(options).makeAsyncIterator()
                    return try await batches.next()
                }
                let ended = try await cancelled.value == nil
                #expect(ended, "the sequence ends when the task is cancelled")
            }
        }
    }

    @Test("maxBytes: a pull request stops at the byte bound (at least twice max_payload), and nothing is lost")
    func pullRequestByteBound() async throws {
        try await withServer { server in
            try await withConnection(to: server) { connection in
                let consumer = try await makeStreamAndConsumer(connection, stream: "BYTES", subjects: ["bytes.>"])
                // 40 messages of 100 KB: 4 MB, twice the bound (2 × the default max_payload of 1 MB).
                let payload = [UInt8](repeating: 7, count: 100_000)
                for _ in 0..<40 { _ = try await connection.publish(OutgoingMessage(subject: "bytes.x", data: payload)) }
                let options = PullConsumer.FetchOptions(
                    batchSize: 256, maxWait: .seconds(5), returnsPartialBatch: true, maxBytes: 1)
                var batches: [Int] = []
                var received = 0
                while received < 40 && batches.count < 20 {
                    let batch = try await consumer.fetch(options)
                    for message in batch {
                        #expect(message.count == payload.count)
                        try message.ack()
                    }
                    batches.append(batch.count)
                    received += batch.count
                }
                #expect(received == 40)
                #expect(batches.allSatisfy { $0 <= 20 }, "batches: \(batches)")
                #expect(batches.count >= 2, "batches: \(batches)")
            }
        }
    }

    @Test("KV: compare-and-set with a stale revision fails with a distinct error; get, create, delete")
    func keyValue() async throws {
        try await withServer { server in
            try await withConnection(to: server) { connection in
                var spec = KeyValueSpec(bucket: "state")
                spec.history = 5
                try await connection.createOrUpdate(spec)
                let bucket = try await connection.keyValue("state")
                let first = try await bucket.put("sensor.a", value: Array("one".utf8))
                let second = try await bucket.update("sensor.a", value: Array("two".utf8), expectedRevision: first)
                #expect(second > first)
                do {
                    try await bucket.update("sensor.a", value: Array("stale".utf8), expectedRevision: first)
                    Issue.record("a stale revision was accepted")
                } catch let error as NATSError {
                    #expect(error.code == .staleRevision)
                    #expect(error.jetStreamErrorCode == 10071)
                }
                #expect(try await bucket.get("sensor.a")?.value == Array("two".utf8))
                #expect(try await bucket.get("sensor.a")?.revision == second)

                await #expect { try await bucket.create("sensor.a", value: [0]) } throws: { error in
                    (error as? NATSError)?.code == .keyExists
                }
                try await bucket.delete("sensor.a")
                #expect(try await bucket.get("sensor.a") == nil)
                #expect(try await bucket.create("sensor.a", value: [9]) > second, "create after delete")
                #expect(try await bucket.get("missing") == nil)
            }
        }
    }

    @Test("KV: storedKeys lists the keys with an entry (a value or a delete marker), none for an empty bucket")
    func keyValueStoredKeys() async throws {
        try await withServer { server in
            try await withConnection(to: server) { connection in
                try await connection.createOrUpdate(KeyValueSpec(bucket: "held"))
                let bucket = try await connection.keyValue("held")
                #expect(try await bucket.storedKeys() == [])
                try await bucket.put("pair.both", value: [1])
                try await bucket.put("=70.x", value: [2])
                try await bucket.put("gone.t", value: [3])
                try await bucket.delete("gone.t")
                #expect(try await bucket.storedKeys() == ["pair.both", "=70.x", "gone.t"])
                #expect(try await bucket.get("gone.t") == nil)
            }
        }
    }

    /// How many of `count` concurrent runs of `attempt` succeed.
    static func successes(of count: Int, _ attempt: @escaping @Sendable (Int) async throws -> UInt64) async -> Int {
        await withTaskGroup(of: Bool.self) { group in
            for index in 0..<count { group.addTask { (try? await attempt(index)) != nil } }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
    }

    @Test("KV: of concurrent creates of one key, and of concurrent updates at one revision, exactly one wins")
    func keyValueRaces() async throws {
        try await withServer { server in
            try await withConnection(to: server) { connection in
                try await connection.createOrUpdate(KeyValueSpec(bucket: "claims"))
                let bucket = try await connection.keyValue("claims")
                let creates = await Self.successes(of: 8) { index in
                    try await bucket.create("firing", value: Array("\(index)".utf8))
                }
                #expect(creates == 1)
                let revision = try #require(try await bucket.get("firing")?.revision)
                let updates = await Self.successes(of: 8) { index in
                    try await bucket.update("firing", value: Array("u\(index)".utf8), expectedRevision: revision)
                }
                #expect(updates == 1)
                #expect(try await bucket.get("firing")?.revision == revision + 1)
            }
        }
    }

    @Test("nats-server killed and restarted with its store mid-consume: every message delivered, none lost")
    func serverRestartLosesNothing() async throws {
        var server = try NATSServerProcess.start(port: try NATSServerProcess.freeLoopbackPort())
        defer { server.stop() }
        let connection = try await NATSConnection.connect(testOptions(server.url))
        let consumer = try await makeStreamAndConsumer(connection, stream: "RESTART", subjects: ["restart.>"]) {
            $0.ackWait = .seconds(2)
        }
        let count = 2_000
        let result = try await connection.publishBatch(
            (0..<count).map { OutgoingMessage(subject: "restart.n", data: Array("\($0)".utf8), messageID: "r-\($0)") })
        #expect(result.acknowledged == count)

        let events = connection.events
        var received = Set<String>()
        var restarted = false
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(30)
        for try await message in consumer.messages(.init(batchSize: 64, maxWait: .milliseconds(500))) {
            received.insert(String(decoding: message.data, as: UTF8.self))
            try message.ack()
            if received.count == count / 4 && !restarted {
                restarted = true
                server = try server.restarted()
            }
            if received.count == count || clock.now > deadline { break }
        }
        #expect(restarted)
        #expect(received.count == count, "received \(received.count) of \(count) distinct messages")
        #expect(connection.state == .connected)
        // Acks sent while the server was down may be lost: those messages come again after ack_wait and are
        // acked again (at least once); then nothing is outstanding.
        let settled = try await eventually(timeout: .seconds(10)) {
            for message in try await consumer.fetch(.init(batchSize: 256, maxWait: .milliseconds(200))) {
                #expect(received.contains(String(decoding: message.data, as: UTF8.self)))
                try message.ack()
            }
            let info = try await consumer.info()
            return info.ackPending == 0 && info.pending == 0
        }
        #expect(settled)

        try await connection.drain(timeout: .seconds(5))
        #expect(connection.state == .closed)
        var observed: [ConnectionEvent] = []
        for await event in events { observed.append(event) }
        #expect(observed.contains(.disconnected))
        #expect(observed.contains(.reconnected))
        #expect(observed.last == .closed)
    }

    @Test("wrong credentials: an authorization error, promptly, that does not contain the password")
    func wrongCredentials() async throws {
        try await withServer(arguments: ["--user", "gateway", "--pass", "right-secret"]) { server in
            var options = testOptions(server.url)
            options.authentication = .userPassword(user: "gateway", password: "wrong-secret")
            let clock = ContinuousClock()
            let started = clock.now
            await #expect {
                _ = try await NATSConnection.connect(options)
            } throws: { error in
                guard let error = error as? NATSError else { return false }
                return error.code == .authorizationFailed && !"\(error)".contains("wrong-secret")
            }
            #expect(clock.now - started < .seconds(5))

            options.authentication = .userPassword(user: "gateway", password: "right-secret")
            let connection = try await NATSConnection.connect(options)
            #expect(connection.state == .connected)
            await connection.close()
        }
    }

    @Test("unreachable server: a connection error, promptly")
    func unreachableServer() async throws {
        let port = try NATSServerProcess.freeLoopbackPort()
        let clock = ContinuousClock()
        let started = clock.now
        await #expect {
            _ = try await NATSConnection.connect(testOptions("nats://127.0.0.1:\(port)"))
        } throws: { error in
            (error as? NATSError)?.code == .connectionFailed
        }
        #expect(clock.now - started < .seconds(5))
    }

    @Test("TLS to a plain server: a TLS error, promptly")
    func tlsToPlainServer() async throws {
        try await withServer { server in
            var options = testOptions(server.url)
            options.tls = .init()
            let clock = ContinuousClock()
            let started = clock.now
            await #expect {
                _ = try await NATSConnection.connect(options)
            } throws: { error in
                (error as? NATSError)?.code == .tlsFailed
            }
            #expect(clock.now - started < .seconds(5))
        }
    }
}

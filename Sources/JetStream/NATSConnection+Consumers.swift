internal import CNATS

extension NATSConnection {
    /// Binds to the existing durable pull consumer `durable` of `stream` (create it with ``provision(_:)``).
    /// - Throws: ``NATSError`` with ``NATSError/Code/notFound`` if the stream or consumer does not exist, or
    ///   ``NATSError/Code/invalidArgument`` if it is a push consumer.
    public func pullConsumer(stream: String, durable: String) async throws(NATSError) -> PullConsumer {
        let info = try await rawConsumerInfo(stream: stream, consumer: durable)
        let worker = BlockingWorker(label: "nats.consumer.\(stream).\(durable)")
        let connection = self
        let subscription = try await worker.run { () throws(NATSError) -> SendableHandle in
            var subscriptionOptions = jsSubOptions()
            jsSubOptions_Init(&subscriptionOptions)
            var subscription: OpaquePointer?
            var errorCode = jsErrCode(0)
            let status = stream.withCString { streamName in
                durable.withCString { consumerName in
                    subscriptionOptions.Stream = streamName
                    subscriptionOptions.Consumer = consumerName
                    subscriptionOptions.ManualAck = true
                    return info.filterSubject.withCString { subject in
                        js_PullSubscribe(
                            &subscription, connection.jetStream, subject, consumerName, nil, &subscriptionOptions,
                            &errorCode)
                    }
                }
            }
            guard status == NATS_OK, let subscription else {
                throw NATSError.fromLastError(
                    status, operation: "bind pull consumer \(stream)/\(durable)", jetStreamErrorCode: errorCode)
            }
            return SendableHandle(subscription)
        }
        return PullConsumer(
            connection: self, subscription: subscription.pointer, stream: stream, durable: durable,
            maximumDeliveries: info.public.maximumDeliveries, maximumBatch: info.maximumBatch, worker: worker)
    }

    /// Deletes consumer `consumer` of `stream` with its delivery state.
    /// - Throws: ``NATSError`` with ``NATSError/Code/notFound`` if either does not exist.
    public func deleteConsumer(stream: String, consumer: String) async throws(NATSError) {
        let connection = self
        try await worker.run { () throws(NATSError) in
            var errorCode = jsErrCode(0)
            let status = js_DeleteConsumer(connection.jetStream, stream, consumer, nil, &errorCode)
            guard status == NATS_OK else {
                throw NATSError.fromLastError(
                    status, operation: "delete consumer \(stream)/\(consumer)", jetStreamErrorCode: errorCode)
            }
        }
    }

    /// The counters of consumer `consumer` of `stream`.
    /// - Throws: ``NATSError`` with ``NATSError/Code/notFound`` if either does not exist.
    public func consumerInfo(stream: String, consumer: String) async throws(NATSError) -> ConsumerInfo {
        try await rawConsumerInfo(stream: stream, consumer: consumer).public
    }

    struct RawConsumerInfo: Sendable {
        let `public`: ConsumerInfo
        let filterSubject: String
        /// `max_batch`, the largest pull request the server accepts (0: no limit).
        let maximumBatch: Int64
    }

    private func rawConsumerInfo(stream: String, consumer: String) async throws(NATSError) -> RawConsumerInfo {
        let connection = self
        return try await worker.run { () throws(NATSError) -> RawConsumerInfo in
            var info: UnsafeMutablePointer<jsConsumerInfo>?
            var errorCode = jsErrCode(0)
            let status = js_GetConsumerInfo(&info, connection.jetStream, stream, consumer, nil, &errorCode)
            guard status == NATS_OK, let info else {
                throw NATSError.fromLastError(
                    status, operation: "consumer info \(stream)/\(consumer)", jetStreamErrorCode: errorCode)
            }
            defer { jsConsumerInfo_Destroy(info) }
            let value = info.pointee
            let config = value.Config?.pointee
            let filter = config?.FilterSubject.map { String(cString: $0) } ?? ""
            return RawConsumerInfo(
                public: ConsumerInfo(
                    stream: value.Stream.map { String(cString: $0) } ?? stream,
                    name: value.Name.map { String(cString: $0) } ?? consumer,
                    pending: value.NumPending, ackPending: value.NumAckPending, redelivered: value.NumRedelivered,
                    waiting: value.NumWaiting, deliveredStreamSequence: value.Delivered.Stream,
                    ackFloorStreamSequence: value.AckFloor.Stream, maximumDeliveries: config?.MaxDeliver ?? -1),
                filterSubject: filter.isEmpty ? ">" : filter, maximumBatch: config?.MaxRequestBatch ?? 0)
        }
    }
}

/// A C handle carried from the worker thread to its owner's initializer.
///
/// Sendable: it is handed over exactly once, from the thread that created the handle to the Swift object that
/// becomes its only owner; nothing else keeps the pointer.
struct SendableHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
}

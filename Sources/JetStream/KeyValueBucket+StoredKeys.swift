internal import CNATS

extension KeyValueBucket {
    /// The keys that have an entry stored: a value, or the marker of a delete or purge. One request (the bucket
    /// stream's info with its subjects), however many keys there are: a key not listed has no entry, and
    /// ``get(_:)`` of it would return nil.
    /// - Returns: the keys, or nil when the server's list of subjects was incomplete (it changed while it was read
    ///   in pages).
    /// - Throws: ``NATSError`` if the server cannot be asked.
    public func storedKeys() async throws(NATSError) -> Set<String>? {
        let prefix = "$KV.\(name)."
        let stream = "KV_\(name)"
        let connection = connection
        return try await connection.worker.run { () throws(NATSError) -> Set<String>? in
            var options = jsOptions()
            jsOptions_Init(&options)
            var info: UnsafeMutablePointer<jsStreamInfo>?
            var errorCode = jsErrCode(0)
            let status = (prefix + ">").withCString { filter in
                options.Stream.Info.SubjectsFilter = filter
                return js_GetStreamInfo(&info, connection.jetStream, stream, &options, &errorCode)
            }
            defer { jsStreamInfo_Destroy(info) }
            guard status == NATS_OK, let state = info?.pointee.State else {
                throw NATSError.fromLastError(
                    status, operation: "list the keys of kv bucket \(stream)", jetStreamErrorCode: errorCode)
            }
            let subjects = state.Subjects?.pointee
            let count = Int(subjects?.Count ?? 0)
            guard Int64(count) == state.NumSubjects else { return nil }
            var keys = Set<String>(minimumCapacity: count)
            for index in 0..<count {
                guard let subject = subjects?.List?[index].Subject.map({ String(cString: $0) }),
                    subject.hasPrefix(prefix)
                else { return nil }
                keys.insert(String(subject.dropFirst(prefix.utf8.count)))
            }
            return keys
        }
    }
}

import EventModel
import Testing

/// Bytes from a hex string with optional spaces: `"91 c0"` → `[0x91, 0xc0]`.
func hex(_ text: String) -> [UInt8] {
    let digits = Array(text.utf8.filter { $0 != UInt8(ascii: " ") })
    return stride(from: 0, to: digits.count, by: 2).map { index in
        UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) ?? 0
    }
}

/// The error `body` throws, failing the test if it throws none or another type.
func decodingError(_ body: () throws -> Any) -> EventDecodingError? {
    do {
        _ = try body()
        Issue.record("expected an EventDecodingError, decoding succeeded")
        return nil
    } catch let error as EventDecodingError {
        return error
    } catch {
        Issue.record("expected an EventDecodingError, got \(error)")
        return nil
    }
}

/// A typical ~200-byte structured event, as the gateway receives them.
let typicalEvent = Event(
    id: "7f3c2a9e-1b4d-4c8e-9f00-5a6b7c8d9e0f", source: "minio", type: "com.example.object.created",
    subject: "uploads", time: EventTimestamp(seconds: 1_795_256_100, nanoseconds: 250_000_000),
    dataContentType: "application/json",
    data: [
        "bucket": "raw-documents", "key": "2026/11/21/report.pdf", "size": 1_048_576,
        "tags": ["finance", "q4"], "priority": 3, "ratio": 0.75, "public": false,
    ])

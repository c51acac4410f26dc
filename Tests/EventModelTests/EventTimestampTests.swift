import EventModel
import Testing

@Suite("RFC 3339 timestamps")
struct EventTimestampTests {
    static let valid: [(String, Int64, UInt32, String)] = [
        ("1970-01-01T00:00:00Z", 0, 0, "1970-01-01T00:00:00Z"),
        ("2026-11-21T10:15:00.5Z", 1_795_256_100, 500_000_000, "2026-11-21T10:15:00.5Z"),
        ("2026-11-21T12:15:00.123456789+02:00", 1_795_256_100, 123_456_789, "2026-11-21T10:15:00.123456789Z"),
        ("2026-11-21t05:15:00-05:00", 1_795_256_100, 0, "2026-11-21T10:15:00Z"),
        ("1969-12-31T23:59:59.5Z", -1, 500_000_000, "1969-12-31T23:59:59.5Z"),
        ("2024-02-29T23:59:59Z", 1_709_251_199, 0, "2024-02-29T23:59:59Z"),
        ("2000-03-01T00:00:00.000001Z", 951_868_800, 1000, "2000-03-01T00:00:00.000001Z"),
        ("0001-01-01T00:00:00Z", -62_135_596_800, 0, "0001-01-01T00:00:00Z"),
        ("9999-12-31T23:59:59Z", 253_402_300_799, 0, "9999-12-31T23:59:59Z"),
    ]

    @Test("valid text parses to the instant and prints in UTC", arguments: valid)
    func parse(text: String, seconds: Int64, nanoseconds: UInt32, printed: String) throws {
        let timestamp = try #require(EventTimestamp(rfc3339: text))
        #expect(timestamp == EventTimestamp(seconds: seconds, nanoseconds: nanoseconds))
        #expect(timestamp.rfc3339 == printed)
    }

    @Test(
        "invalid text is refused",
        arguments: [
            "", "2026-11-21", "2026-11-21T10:15:00", "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z", "2026-11-21T24:00:00Z", "2026-11-21T10:60:00Z", "2026-11-21T10:15:60Z",
            "2026-11-21T10:15:00.Z", "2026-11-21T10:15:00.1234567891Z", "2026-11-21T10:15:00+0200",
            "2026-11-21T10:15:00Zx",
            "26-11-21T10:15:00Z", "2026-11-21X10:15:00Z", "2026-11-21T10:15:00+24:00",
        ])
    func refuse(text: String) {
        #expect(EventTimestamp(rfc3339: text) == nil)
    }

    @Test("printing then parsing gives the same instant across four millennia")
    func roundTrip() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let timestamp = EventTimestamp(
                seconds: Int64.random(in: -62_135_596_800...253_402_300_799, using: &generator),
                nanoseconds: UInt32.random(in: 0..<1_000_000_000, using: &generator))
            #expect(EventTimestamp(rfc3339: timestamp.rfc3339) == timestamp)
        }
    }
}

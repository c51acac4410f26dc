import Foundation
import SensorTesting
import Testing

@testable import Gateway

/// The log line's timestamp, written out directly, is the text Foundation's ISO 8601 format style gives.
struct GatewayLogHandlerTests {
    @Test func timestampMatchesFoundationsISO8601() {
        var random = SeededRandom(seed: 7)
        let style = Date.ISO8601FormatStyle.iso8601.year().month().day().time(includingFractionalSeconds: true)
        var dates = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 1_795_256_100.999_9)]
        for _ in 0..<5_000 {
            dates.append(Date(timeIntervalSince1970: Double.random(in: 0...4_102_444_800, using: &random)))
        }
        for date in dates {
            #expect(GatewayLogHandler.timestamp(date) == date.formatted(style), "\(date.timeIntervalSince1970)")
        }
    }
}

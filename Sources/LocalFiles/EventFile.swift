public import EventModel
import Foundation

/// Reads the event files `explain` takes: a CloudEvent in structured mode, JSON or MessagePack (detected from
/// the content).
public enum EventFile {
    /// An event file that cannot be read or decoded.
    public struct LoadError: Error, Sendable, CustomStringConvertible {
        /// The file.
        public var path: String
        /// What went wrong.
        public var reason: String

        /// `path: reason`.
        public var description: String { "\(path): \(reason)" }
    }

    /// Loads one event.
    /// - Throws: ``LoadError`` when the file cannot be read or is not a CloudEvent.
    public static func load(path: String) throws(LoadError) -> Event {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadError(path: path, reason: "cannot read file")
        }
        do {
            return try CloudEventCodec.decode(payload: [UInt8](data))
        } catch {
            throw LoadError(path: path, reason: "not a CloudEvent: \(error)")
        }
    }
}

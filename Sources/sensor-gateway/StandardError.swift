import ConfigReader
import Foundation

/// Writes a line to standard error.
func printToStandardError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// Writes `error` to standard error: a configuration error as its `path:line:col: error: message` lines, any other
/// as `error: <description>`.
func printErrorToStandardError(_ error: any Error) {
    if let error = error as? ConfigurationError {
        printToStandardError(error.description)
    } else {
        printToStandardError("error: \(error)")
    }
}

/// Why a loopback test server, a test certificate or a prerequisite of a suite is not there.
public struct LoopbackTestingError: Error, CustomStringConvertible {
    /// What is missing or went wrong, and how to fix it when it is a setup step.
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}

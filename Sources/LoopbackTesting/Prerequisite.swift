public import Testing

/// Something a suite needs installed or built: when it is missing, each test of the suite fails with the reason
/// (how to get it), rather than being skipped without a word.
///
/// ```swift
/// @Suite(.requires(NATSServerProcess.executablePath != nil, "nats-server not found on PATH: run make deps"))
/// ```
public struct Prerequisite: SuiteTrait, TestTrait, TestScoping {
    private let isMet: @Sendable () -> Bool
    private let reason: String

    /// Applies to every test of the suite, so each one fails on its own.
    public var isRecursive: Bool { true }

    /// Runs the test if the prerequisite is met; otherwise throws the reason, which fails the test.
    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        guard isMet() else { throw LoopbackTestingError(reason) }
        try await function()
    }

    fileprivate init(isMet: @escaping @Sendable () -> Bool, reason: String) {
        self.isMet = isMet
        self.reason = reason
    }
}

extension Trait where Self == Prerequisite {
    /// Fails each test with `reason` unless `condition` holds when the test starts.
    public static func requires(_ condition: @autoclosure @escaping @Sendable () -> Bool, _ reason: String) -> Self {
        Prerequisite(isMet: condition, reason: reason)
    }
}

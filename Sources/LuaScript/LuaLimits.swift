/// What one evaluation of a script may spend.
///
/// The instruction budget counts VM instructions; work inside one library call (a pattern match over a long
/// string) is not interrupted, so the time budget, checked between instructions and at every call, bounds the
/// whole run to it plus one library call. The memory cap bounds the strings and tables the script builds.
public struct LuaLimits: Sendable, Hashable {
    /// VM instructions, counted in steps of 1,000.
    public var instructions: Int
    /// Wall-clock time.
    public var time: Duration
    /// Bytes the script may allocate beyond the state that holds its input.
    public var memoryBytes: Int

    /// Creates limits.
    public init(instructions: Int, time: Duration, memoryBytes: Int) {
        self.instructions = instructions
        self.time = time
        self.memoryBytes = memoryBytes
    }

    /// Five million instructions (some 50 ms), 250 ms and 4 MiB.
    public static let `default` = LuaLimits(instructions: 5_000_000, time: .milliseconds(250), memoryBytes: 4 << 20)
}

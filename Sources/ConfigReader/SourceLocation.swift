/// Where something sits in a configuration file: the file path and a 1-based line and column (line 0: a place that
/// has no line, such as an environment variable).
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file path as given to the loader.
    public var file: String
    /// Line number, starting at 1.
    public var line: Int
    /// Column number, starting at 1 (counted in Unicode scalars, as libyaml does).
    public var column: Int

    /// Creates a location.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `path:line:col`, or the path alone when there is no line.
    public var description: String { line > 0 ? "\(file):\(line):\(column)" : file }
}

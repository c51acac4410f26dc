/// The one boolean rule of every configuration file and environment variable: Go's `strconv.ParseBool`, which takes
/// YAML's `true` and `false` too. `yes`, `no`, `on` and `off` are not booleans.
package enum GoBool {
    /// The boolean `text` spells: `1`, `t`, `T`, `true`, `True`, `TRUE` or `0`, `f`, `F`, `false`, `False`, `FALSE`.
    package static func parse(_ text: String) -> Bool? {
        switch text {
        case "1", "t", "T", "TRUE", "true", "True": true
        case "0", "f", "F", "FALSE", "false", "False": false
        default: nil
        }
    }

    /// The accepted spellings, for error messages.
    package static let spellings = "true or false (also 1, t, T, TRUE, True, 0, f, F, FALSE, False)"
}

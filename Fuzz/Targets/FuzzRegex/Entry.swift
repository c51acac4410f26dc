import FuzzHarness

/// libFuzzer's entry point for `FuzzTarget.regex`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRegex(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzTarget.regex.runFuzzerInput(data, size)
}

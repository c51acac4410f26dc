import FuzzHarness

/// libFuzzer's entry point for `FuzzTarget.expression`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzExpression(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzTarget.expression.runFuzzerInput(data, size)
}

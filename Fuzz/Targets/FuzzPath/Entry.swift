import FuzzHarness

/// libFuzzer's entry point for `FuzzTarget.path`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPath(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { FuzzTarget.path.runFuzzerInput(data, size) }

import FuzzHarness

/// libFuzzer's entry point for `FuzzTarget.jq`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJQ(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { FuzzTarget.jq.runFuzzerInput(data, size) }

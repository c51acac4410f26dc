import FuzzHarness

/// libFuzzer's entry point for `FuzzTarget.lua`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLua(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { FuzzTarget.lua.runFuzzerInput(data, size) }

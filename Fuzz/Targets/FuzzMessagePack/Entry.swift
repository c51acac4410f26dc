import FuzzHarness

/// libFuzzer's entry point for `FuzzTarget.messagePack`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMessagePack(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzTarget.messagePack.runFuzzerInput(data, size)
}

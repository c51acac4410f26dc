import FuzzHarness

/// libFuzzer's entry point for `FuzzTarget.sensorYAML`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSensorYAML(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzTarget.sensorYAML.runFuzzerInput(data, size)
}

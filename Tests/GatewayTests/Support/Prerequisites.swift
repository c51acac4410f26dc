import Foundation
import JetStreamTesting
import LoopbackTesting
import Testing

extension Trait where Self == Prerequisite {
    /// nats-server must be installed: each test fails, saying so, when it is not.
    static var natsServer: Self {
        .requires(
            NATSServerProcess.executablePath != nil,
            "nats-server not found on PATH: run make deps (apt-get install nats-server) or set NATS_SERVER_BIN")
    }

    /// The `sensor-gateway` executable must be built: each test fails, saying so, when it is not.
    static var gatewayBinary: Self {
        .requires(
            FileManager.default.isExecutableFile(atPath: GatewayProcess.executable.path),
            "sensor-gateway binary not built: expected \(GatewayProcess.executable.path); run swift build (or set SENSOR_GATEWAY_BIN)"
        )
    }

    /// Debian's `chromium` must be installed: each test fails, saying so, when it is not.
    static var chromium: Self {
        .requires(
            HeadlessChromium.executablePath != nil,
            "chromium not found on PATH: run make deps (apt-get install chromium) or set CHROMIUM")
    }
}

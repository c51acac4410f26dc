import JetStream
import Testing

@testable import JetStream

@Suite("Connection options")
struct OptionsTests {
    @Test("reconnect waits double from the initial delay up to the maximum")
    func reconnectBackoff() {
        let policy = ConnectionOptions.Reconnect(initialDelay: .milliseconds(100), maximumDelay: .seconds(2))
        #expect(
            (1...7).map { policy.delay(forAttempt: $0) } == [
                .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .milliseconds(1600),
                .seconds(2), .seconds(2),
            ])
        #expect(policy.delay(forAttempt: 1_000) == .seconds(2))
    }

    @Test("printing options never shows a password, a token or URL credentials")
    func secretsAreNotPrinted() {
        var options = ConnectionOptions(urls: ["nats://gateway:url-secret@127.0.0.1:4222"])
        options.authentication = .userPassword(user: "gateway", password: "password-secret")
        let withPassword = "\(options) \(String(reflecting: options)) \(String(describing: options.authentication))"
        options.authentication = .token("token-secret")
        var dumped = ""
        dump(options, to: &dumped)
        let printed = withPassword + "\(options)" + dumped
        #expect(!printed.contains("secret"), "\(printed)")
        #expect(printed.contains("gateway"))
    }
}

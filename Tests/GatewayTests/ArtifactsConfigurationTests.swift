import ConfigReader
import Gateway
import Testing
import Triggers

/// `secrets:` and `artifacts:` in `gateway.yaml`: where Secrets are mounted and how trigger sources are read.
struct ArtifactsConfigurationTests {
    @Test func defaultsAndKeysReachTheTriggers() throws {
        let defaults = try GatewayConfiguration.parse("", file: "g.yaml", environment: [:])
            .triggerConfiguration(routing: nil, publisher: nil, log: { _ in })
        #expect(defaults.secretsDirectory == "/argo-events/secrets")
        #expect(defaults.artifacts.gitCacheDirectory == ".sensor-gateway/git")
        #expect(defaults.artifacts.gitFetchInterval == .seconds(60))
        #expect(defaults.artifacts.configMapTTL == .seconds(10))
        let text = """
            secrets: {directory: /var/run/secrets/sensors}
            artifacts: {gitCache: /var/cache/git, gitFetchInterval: 5m, configMapTTL: 30s}

            """
        let set = try GatewayConfiguration.parse(text, file: "g.yaml", environment: [:])
            .triggerConfiguration(routing: nil, publisher: nil, log: { _ in })
        #expect(set.secretsDirectory == "/var/run/secrets/sensors")
        #expect(set.artifacts.gitCacheDirectory == "/var/cache/git")
        #expect(set.artifacts.gitFetchInterval == .seconds(300))
        #expect(set.artifacts.configMapTTL == .seconds(30))
    }

    @Test(arguments: [
        ("secrets: {}\n", "g.yaml:1:10: error: secrets.directory is required"),
        (
            "artifacts:\n  gitFetchInterval: 60\n",
            "g.yaml:2:21: error: artifacts.gitFetchInterval must be a Go duration"
        ),
        (
            "artifacts:\n  gitcache: /tmp/git\n",
            "g.yaml:2:3: error: unknown key artifacts.gitcache (did you mean 'gitCache'?)"
        ),
        ("artifacts:\n  gitCache: ''\n", "g.yaml:2:13: error: artifacts.gitCache must not be empty"),
    ])
    func errorsNameTheKey(text: String, expected: String) {
        #expect {
            try GatewayConfiguration.parse(text, file: "g.yaml", environment: [:])
        } throws: { error in
            "\(error)".hasPrefix(expected)
        }
    }
}

import Foundation
import Gateway
import Kubernetes
import Testing

/// The `kubernetes:` section of `gateway.yaml` and the connection the gateway resolves from it.
struct KubernetesConfigurationTests {
    @Test("the keys become the connection's settings; an explicit server wins over the pod and kubeconfigs")
    func keys() throws {
        let text = """
            kubernetes:
              server: https://10.0.0.1:6443
              tokenFile: /var/run/secrets/k8s/token
              ca: /etc/k8s/ca.crt
              clientCertificate: /etc/k8s/tls.crt
              clientKey: /etc/k8s/tls.key
              insecureSkipVerify: false
              namespace: workflows
            """
        let configuration = try GatewayConfiguration.parse(text, file: "g.yaml", environment: [:])
        #expect(
            configuration.kubernetes
                == KubernetesConnection.Settings(
                    server: "https://10.0.0.1:6443", tokenFile: "/var/run/secrets/k8s/token", ca: "/etc/k8s/ca.crt",
                    clientCertificate: "/etc/k8s/tls.crt", clientKey: "/etc/k8s/tls.key", namespace: "workflows"))
        let connection = try configuration.kubernetesConnection(
            environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"],
            homeDirectory: "/nonexistent")
        #expect(connection?.origin == .explicit)
        #expect(connection?.server == "https://10.0.0.1:6443")
        #expect(connection?.namespace == "workflows")
    }

    @Test("without the section and without a cluster or kubeconfig there is no connection")
    func absent() throws {
        let configuration = try GatewayConfiguration.parse("", file: "g.yaml", environment: [:])
        #expect(configuration.kubernetes == nil)
        #expect(try configuration.kubernetesConnection(environment: [:], homeDirectory: "/nonexistent") == nil)
    }

    @Test(
        "errors name the file, line and key",
        arguments: [
            (
                "kubernetes:\n  servr: https://a\n",
                "g.yaml:2:3: error: unknown key kubernetes.servr (did you mean 'server'?)"
            ),
            (
                "kubernetes:\n  server: https://a\n  kubeconfig: /k\n",
                "g.yaml:3:15: error: kubernetes.kubeconfig: set kubernetes.server or kubernetes.kubeconfig, not both"
            ),
            (
                "kubernetes:\n  tokenFile: /t\n",
                "g.yaml:2:14: error: kubernetes.tokenFile: applies to kubernetes.server, which is not set"
            ),
            (
                "kubernetes:\n  server: https://a\n  clientKey: /k\n",
                "g.yaml:2:3: error: kubernetes.clientCertificate: clientCertificate and clientKey go together"
            ),
            (
                "kubernetes:\n  insecureSkipVerify: nope\n",
                "g.yaml:2:23: error: kubernetes.insecureSkipVerify must be true or false"
            ),
        ])
    func errors(text: String, expected: String) {
        #expect {
            try GatewayConfiguration.parse(text, file: "g.yaml", environment: [:])
        } throws: { error in
            "\(error)".hasPrefix(expected)
        }
    }
    @Test("sensors may be a mapping: files, and Sensor objects of some namespaces with a selector")
    func sensorsMapping() throws {
        let text = """
            sensors:
              files: /etc/sensor-gateway/sensors
              kubernetes: {namespaces: [ml, data, ml], selector: "team=ml"}
            """
        let configuration = try GatewayConfiguration.parse(text, file: "g.yaml", environment: [:])
        #expect(configuration.sensors == "/etc/sensor-gateway/sensors")
        #expect(configuration.kubernetesSensors?.namespaces == ["ml", "data"])
        #expect(configuration.kubernetesSensors?.selector == "team=ml")
    }

    @Test("sensors.kubernetes alone: no sensor files, every namespace; a path is still a path")
    func sensorsKubernetesOnly() throws {
        let only = try GatewayConfiguration.parse("sensors:\n  kubernetes: {}\n", file: "g.yaml", environment: [:])
        #expect(only.sensors == nil)
        #expect(only.kubernetesSensors?.namespaces == [])
        #expect(only.kubernetesSensors?.selector == nil)
        let path = try GatewayConfiguration.parse("sensors: /s\n", file: "g.yaml", environment: [:])
        #expect(path.sensors == "/s" && path.kubernetesSensors == nil)
    }

    @Test(
        "errors in the sensors mapping name the file, line and key",
        arguments: [
            (
                "sensors:\n  kubernetes: {namespaces: [Team-A]}\n",
                "g.yaml:2:29: error: sensors.kubernetes.namespaces[0] must be a namespace name"
            ),
            (
                "sensors:\n  kubernetes: {namspaces: [a]}\n",
                "g.yaml:2:16: error: unknown key sensors.kubernetes.namspaces (did you mean 'namespaces'?)"
            ),
            ("sensors:\n  fils: /s\n", "g.yaml:2:3: error: unknown key sensors.fils (did you mean 'files'?)"),
            ("sensors: [a]\n", "g.yaml:1:10: error: expected a mapping at sensors"),
            (
                "sensors:\n  kubernetes: {selector: \"\"}\n",
                "g.yaml:2:26: error: sensors.kubernetes.selector must not be empty"
            ),
        ])
    func sensorsErrors(text: String, expected: String) {
        #expect {
            try GatewayConfiguration.parse(text, file: "g.yaml", environment: [:])
        } throws: { error in
            "\(error)".contains(expected)
        }
    }

    @Test("sensors.kubernetes without a Kubernetes API is a start-up error at the key")
    func sensorsKubernetesNeedsAConnection() throws {
        let configuration = try GatewayConfiguration.parse(
            "nats: {stream: EVENTS}\nsensors:\n  kubernetes: {namespaces: [ml]}\n", file: "g.yaml", environment: [:])
        #expect {
            try configuration.requireKubernetesForSensors(nil)
        } throws: { error in
            "\(error)".hasPrefix("g.yaml:3:15: error: sensors.kubernetes needs a Kubernetes API")
        }
        let connection = KubernetesConnection(origin: .explicit, server: "https://10.0.0.1:6443")
        try configuration.requireKubernetesForSensors(connection)
    }
}

package import ConfigReader
import Foundation

/// `console:` in gateway.yaml: where the console at `GET /` links the workflows and runs it lists. Links only; the
/// console reaches no other server.
public struct ConsoleSettings: Sendable, Hashable {
    /// `console.argoUIBaseURL`: the Argo Workflows UI (`https://argo.example.com`); a workflow links to
    /// `<base>/workflows/<namespace>/<name>`. `nil`: no link.
    public var argoUIBaseURL: String?
    /// `console.kfpUIBaseURL`: the Kubeflow Pipelines UI (`https://kubeflow.example.com/pipeline`); a run links to
    /// `<base>/#/runs/details/<run id>`. `nil`: no link.
    public var kfpUIBaseURL: String?

    /// Links as given; `nil`: none.
    public init(argoUIBaseURL: String? = nil, kfpUIBaseURL: String? = nil) {
        self.argoUIBaseURL = argoUIBaseURL
        self.kfpUIBaseURL = kfpUIBaseURL
    }
}

extension GatewayConfiguration {
    /// Reads `console:`: each base URL must be an absolute `http` or `https` URL without a query or fragment.
    mutating func readConsole(_ section: inout FieldReader, diagnostics: inout Diagnostics) {
        func baseURL(_ key: String, diagnostics: inout Diagnostics) -> String? {
            guard let text = section.string(key, diagnostics: &diagnostics) else { return nil }
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""),
                url.host?.isEmpty == false, url.query == nil, url.fragment == nil
            else {
                diagnostics.error(
                    "console.\(key): expected an http or https URL without a query or fragment, found '\(text)'",
                    at: section.location(of: key), path: "console.\(key)")
                return nil
            }
            return text
        }
        console.argoUIBaseURL = baseURL("argoUIBaseURL", diagnostics: &diagnostics)
        console.kfpUIBaseURL = baseURL("kfpUIBaseURL", diagnostics: &diagnostics)
        section.finish(diagnostics: &diagnostics, label: "unknown key")
    }
}

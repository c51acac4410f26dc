import ArgumentParser
import LocalFiles
import SensorEngine
import SensorModel

/// Reads the `--argo-templates DIR` catalog of `validate` and `route`.
/// - Parameter directory: the option's value; `nil` when it was not given.
/// - Returns: the catalog, or `nil` when no directory was given (routing files then use the `deploy/argo` found
///   near them).
/// - Throws: `ExitCode(1)`, after saying so on standard error, when the directory does not exist.
func loadArgoTemplates(_ directory: String?) throws -> ArgoTemplateCatalog? {
    guard let directory else { return nil }
    guard let catalog = SensorFiles.argoTemplates(directory: directory) else {
        printToStandardError("error: \(directory): no such directory")
        throw ExitCode(1)
    }
    return catalog
}

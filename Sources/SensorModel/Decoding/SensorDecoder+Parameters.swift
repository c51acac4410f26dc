import ConfigReader
import EventModel
import SensorLanguage

extension SensorDecoder {
    mutating func decodeParameters(
        _ fields: inout FieldReader, _ key: String, context: SensorContext, allowEmptyDestination: Bool
    ) -> [TriggerParameter] {
        var parameters: [TriggerParameter] = []
        for (node, path) in fields.list(key, diagnostics: &diagnostics) ?? [] {
            guard var entry = FieldReader(node, path: path, diagnostics: &diagnostics) else { continue }
            let destination = entry.string("dest", diagnostics: &diagnostics) ?? ""
            if destination.isEmpty && !allowEmptyDestination {
                diagnostics.error("\(path).dest is required", at: node, path: "\(path).dest")
            } else if !destination.isEmpty {
                do { _ = try SetPath(destination) } catch {
                    diagnostics.error("\(path).dest: \(error)", at: node["dest"] ?? node, path: "\(path).dest")
                }
            }
            let operationText = entry.string("operation", diagnostics: &diagnostics) ?? ""
            let operation =
                operationText.isEmpty
                ? TriggerParameter.Operation.overwrite : TriggerParameter.Operation(rawValue: operationText)
            if operation == nil {
                diagnostics.error(
                    "\(path).operation '\(operationText)' is not one of overwrite, append, prepend",
                    at: node["operation"] ?? node,
                    path: "\(path).operation")
            }
            var source: ParameterSource?
            if let sourceNode = entry.take("src") {
                source = decodeParameterSource(sourceNode, path: path, context: context)
            } else if node["src"] == nil {
                diagnostics.error("\(path).src is required", at: node, path: "\(path).src")
            }
            entry.finish(diagnostics: &diagnostics)
            if let source, let operation {
                parameters.append(
                    TriggerParameter(
                        source: source, destination: destination, operation: operation, location: node.location))
            }
        }
        return parameters
    }

    /// A parameter's `src`: the dependency (resolved against the sensor's) and where its value comes from.
    private mutating func decodeParameterSource(_ sourceNode: YAMLTree, path: String, context: SensorContext)
        -> ParameterSource?
    {
        guard var src = FieldReader(sourceNode, path: "\(path).src", diagnostics: &diagnostics) else { return nil }
        let dependencyName = src.string("dependencyName", required: true, diagnostics: &diagnostics)
        let contextKey = src.string("contextKey", diagnostics: &diagnostics).flatMap {
            $0.isEmpty
                ? nil
                : parsePath($0, at: sourceNode["contextKey"] ?? sourceNode, path: "\(path).src.contextKey")
        }
        let dataKey = src.string("dataKey", diagnostics: &diagnostics).flatMap {
            $0.isEmpty
                ? nil : parsePath($0, at: sourceNode["dataKey"] ?? sourceNode, path: "\(path).src.dataKey")
        }
        let contextTemplate = src.string("contextTemplate", diagnostics: &diagnostics).flatMap {
            $0.isEmpty
                ? nil
                : parseTemplate(
                    $0, at: sourceNode["contextTemplate"] ?? sourceNode, path: "\(path).src.contextTemplate")
        }
        let dataTemplate = src.string("dataTemplate", diagnostics: &diagnostics).flatMap {
            $0.isEmpty
                ? nil
                : parseTemplate(
                    $0, at: sourceNode["dataTemplate"] ?? sourceNode, path: "\(path).src.dataTemplate")
        }
        let value = src.string("value", diagnostics: &diagnostics)
        let useRawData = src.bool("useRawData", diagnostics: &diagnostics) ?? false
        src.finish(diagnostics: &diagnostics)
        guard let dependencyName else { return nil }
        guard let resolved = context.resolve(dependencyName) else {
            diagnostics.error(
                "\(path).src.dependencyName '\(dependencyName)' is not a dependency of this sensor",
                at: sourceNode["dependencyName"] ?? sourceNode, path: "\(path).src.dependencyName")
            return nil
        }
        return ParameterSource(
            dependencyName: resolved, contextKey: contextKey, contextTemplate: contextTemplate, dataKey: dataKey,
            dataTemplate: dataTemplate, value: value, useRawData: useRawData)
    }
}

import ConfigReader
import SensorLanguage

/// The Argo WorkflowTemplates and ClusterWorkflowTemplates kept in a directory (the repository's `deploy/argo/`),
/// which routing files are checked against: a route naming a template that is not there gets a warning. The gateway's
/// file loader reads the directory; this type holds what it found.
public struct ArgoTemplateCatalog: Sendable {
    /// One template: its kind, name and declared workflow arguments.
    public struct Template: Sendable, Hashable {
        /// A declared `spec.arguments.parameters[]` entry.
        public struct Parameter: Sendable, Hashable {
            /// Its name.
            public var name: String
            /// Whether it has a `value` (a submission may leave it out).
            public var hasDefault: Bool

            /// Creates a declared parameter.
            public init(name: String, hasDefault: Bool) {
                self.name = name
                self.hasDefault = hasDefault
            }
        }

        /// `WorkflowTemplate` or `ClusterWorkflowTemplate`.
        public var kind: WorkflowTemplateKind
        /// `metadata.name`.
        public var name: String
        /// `spec.arguments.parameters`.
        public var parameters: [Parameter]

        /// Creates a template description.
        public init(kind: WorkflowTemplateKind, name: String, parameters: [Parameter]) {
            self.kind = kind
            self.name = name
            self.parameters = parameters
        }
    }

    /// The directory read, as given.
    public var directory: String
    /// The templates found, in file and document order.
    public var templates: [Template]

    /// Creates a catalog from templates already known.
    public init(directory: String, templates: [Template]) {
        self.directory = directory
        self.templates = templates
    }

    /// The template of that kind and name.
    public func template(kind: WorkflowTemplateKind, name: String) -> Template? {
        templates.first { $0.kind == kind && $0.name == name }
    }

    /// The templates in one YAML text.
    public static func parse(text: String, file: String) -> [Template] {
        guard let documents = try? YAMLTree.documents(of: text, file: file) else { return [] }
        return documents.compactMap { document in
            guard let kindText = document["kind"]?.scalarText, let kind = WorkflowTemplateKind(rawValue: kindText),
                let name = document["metadata"]?["name"]?.scalarText
            else { return nil }
            let declared = document["spec"]?["arguments"]?["parameters"]?.elements ?? []
            let parameters = declared.compactMap { entry in
                entry["name"]?.scalarText.map {
                    Template.Parameter(name: $0, hasDefault: entry["value"].map { !$0.isNull } ?? false)
                }
            }
            return Template(kind: kind, name: name, parameters: parameters)
        }
    }
}

import Foundation

/// The Argo WorkflowTemplates and ClusterWorkflowTemplates kept in a directory (the repository's `deploy/argo/`),
/// which routing files are checked against: a route naming a template that is not there gets a warning.
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

    /// Reads every `*.yaml`/`*.yml` file directly in `directory`; documents that are not templates, and files that
    /// do not parse, are passed over (`validate` checks them as Argo files, not here).
    /// - Returns: `nil` when the directory does not exist.
    public static func load(directory: String) -> ArgoTemplateCatalog? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue,
            let names = try? FileManager.default.contentsOfDirectory(atPath: directory)
        else { return nil }
        var templates: [Template] = []
        for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            let file = (directory as NSString).appendingPathComponent(name)
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            templates += parse(text: text, file: file)
        }
        return ArgoTemplateCatalog(directory: directory, templates: templates)
    }

    /// The catalog of the `deploy/argo` directory of the repository a routing file sits in: `../deploy/argo`
    /// next to the file's directory (for `config/routing.yaml`), else `deploy/argo` beside the file.
    /// - Returns: `nil` when neither exists.
    public static func discover(near routingFile: String) -> ArgoTemplateCatalog? {
        let directory = (routingFile as NSString).deletingLastPathComponent
        let parent = (directory as NSString).deletingLastPathComponent
        for base in [parent, directory] {
            let candidate = base.isEmpty ? "deploy/argo" : (base as NSString).appendingPathComponent("deploy/argo")
            if let catalog = load(directory: candidate) { return catalog }
        }
        return nil
    }

    /// The templates in one YAML text.
    static func parse(text: String, file: String) -> [Template] {
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

import ConfigReader
import EventModel
import SensorLanguage

/// Decodes and checks a `kind: RoutingMatrix` document, collecting located findings instead of stopping at the
/// first; filters, paths and templates are parsed by the sensor decoder, so they mean what they mean in sensors.
struct RoutingDecoder {
    /// The API version of routing files.
    static let apiVersion = "sensor-gateway/v1alpha1"
    /// The document kind of routing files.
    static let kind = "RoutingMatrix"

    /// Holds the findings; its filter, path and template parsers are shared with sensors.
    private var sensorDecoder = SensorDecoder()
    /// The Argo templates known to exist, for reference checks (`nil`: not checked).
    let argoTemplates: ArgoTemplateCatalog?

    init(argoTemplates: ArgoTemplateCatalog?) {
        self.argoTemplates = argoTemplates
    }

    /// The findings so far.
    var findings: [Finding] { sensorDecoder.diagnostics.findings }

    private var diagnostics: Diagnostics {
        get { sensorDecoder.diagnostics }
        set { sensorDecoder.diagnostics = newValue }
    }

    /// Decodes a document; `nil` when it has errors.
    mutating func decode(_ document: YAMLTree) -> RoutingMatrix? {
        guard var root = FieldReader(document, path: "", diagnostics: &diagnostics) else { return nil }
        let apiVersion = root.string("apiVersion", diagnostics: &diagnostics)
        _ = root.string("kind", diagnostics: &diagnostics)
        if apiVersion != Self.apiVersion {
            diagnostics.error(
                "apiVersion must be \(Self.apiVersion), not '\(apiVersion ?? "")'",
                at: document["apiVersion"] ?? document, path: "apiVersion")
        }
        var name: String?
        if let metadataNode = root.take("metadata"),
            var metadata = FieldReader(metadataNode, path: "metadata", diagnostics: &diagnostics)
        {
            name = metadata.string("name", diagnostics: &diagnostics)
            metadata.finish(diagnostics: &diagnostics)
        }
        guard let specNode = root.take("spec") else {
            diagnostics.error("spec is required", at: document, path: "spec")
            root.finish(diagnostics: &diagnostics)
            return nil
        }
        root.finish(diagnostics: &diagnostics)
        guard var spec = FieldReader(specNode, path: "spec", diagnostics: &diagnostics) else { return nil }
        let pipelines = spec.take("pipelines").map { decodePipelines($0, path: "spec.pipelines") }
        var routes: [Route] = []
        let routeElements = spec.list("routes", diagnostics: &diagnostics) ?? []
        if routeElements.isEmpty {
            diagnostics.error("spec.routes must list at least one route", at: specNode, path: "spec.routes")
        }
        for (node, path) in routeElements {
            if let route = decodeRoute(node, path: path, isDefault: false) { routes.append(route) }
        }
        let defaultRoute = spec.take("default").flatMap { decodeRoute($0, path: "spec.default", isDefault: true) }
        spec.finish(diagnostics: &diagnostics)
        checkOrder(routes, defaultRoute: defaultRoute)
        for route in routes + (defaultRoute.map { [$0] } ?? []) {
            checkReferences(route, pipelines: pipelines ?? nil)
        }
        guard !diagnostics.hasErrors else { return nil }
        return RoutingMatrix(
            name: name, location: document.location, routes: routes, defaultRoute: defaultRoute,
            pipelines: pipelines ?? nil)
    }

    // MARK: Sections

    private mutating func decodePipelines(_ node: YAMLTree, path: String) -> [KnownPipeline]? {
        guard let elements = node.elements else {
            diagnostics.error("\(path) must be a list", at: node, path: path)
            return nil
        }
        var pipelines: [KnownPipeline] = []
        for (index, element) in elements.enumerated() {
            let elementPath = "\(path)[\(index)]"
            guard var fields = FieldReader(element, path: elementPath, diagnostics: &diagnostics) else { continue }
            let name = fields.string("name", required: true, diagnostics: &diagnostics)
            let versions = fields.stringList("versions", diagnostics: &diagnostics) ?? []
            fields.finish(diagnostics: &diagnostics)
            if let name { pipelines.append(KnownPipeline(name: name, versions: versions)) }
        }
        return pipelines
    }

    private mutating func decodeRoute(_ node: YAMLTree, path: String, isDefault: Bool) -> Route? {
        guard var fields = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        let name = fields.string("name", required: true, diagnostics: &diagnostics)
        let summary = fields.string("description", diagnostics: &diagnostics)
        var match: RouteMatch?
        if isDefault {
            if let matchNode = fields.take("match") {
                diagnostics.error(
                    "\(path).match: the default route takes every event no route matched; it has no match",
                    at: matchNode, path: "\(path).match")
            }
        } else if let matchNode = fields.take("match") {
            match = decodeMatch(matchNode, path: "\(path).match")
        } else {
            // A route without a match takes every event; `checkOrder` reports what it shadows.
            match = RouteMatch(types: [], filters: nil, filtersLogicalOperator: .and)
        }
        let engineText = fields.string("engine", required: true, diagnostics: &diagnostics)
        var engine: RoutingEngine?
        if let engineText {
            engine = RoutingEngine(rawValue: engineText)
            if engine == nil {
                diagnostics.error(
                    "\(path).engine '\(engineText)' is not one of kubeflow, argo, hybrid", at: node["engine"] ?? node,
                    path: "\(path).engine")
            }
        }
        let sections = RoutingEngine.allCases.map(\.rawValue).filter { node[$0] != nil }
        var target: RouteTargetSpec?
        if let engine {
            if !sections.contains(engine.rawValue) {
                diagnostics.error(
                    "\(path).\(engine.rawValue) is required for engine \(engine.rawValue)", at: node,
                    path: "\(path).\(engine.rawValue)")
            }
            for other in sections where other != engine.rawValue {
                _ = fields.take(other)
                diagnostics.error(
                    "\(path).\(other) does not apply to engine \(engine.rawValue)",
                    at: node.entries?.first { $0.key == other }?.keyLocation ?? node.location, path: "\(path).\(other)")
            }
            if let sectionNode = fields.take(engine.rawValue) {
                let sectionPath = "\(path).\(engine.rawValue)"
                switch engine {
                case .kubeflow:
                    target = decodeKubeflow(sectionNode, path: sectionPath).map(RouteTargetSpec.kubeflow)
                case .argo:
                    target = decodeArgo(sectionNode, path: sectionPath, hybrid: false).map { .argo($0.0) }
                case .hybrid:
                    if let (argo, kubeflow) = decodeArgo(sectionNode, path: sectionPath, hybrid: true), let kubeflow {
                        target = .hybrid(argo, kubeflow)
                    }
                }
            }
        } else {
            for section in sections { _ = fields.take(section) }
        }
        fields.finish(diagnostics: &diagnostics)
        guard let name, let target, isDefault || match != nil else { return nil }
        return Route(name: name, summary: summary, match: match, target: target, location: node.location)
    }

    private mutating func decodeMatch(_ node: YAMLTree, path: String) -> RouteMatch? {
        guard var fields = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        var types: [TypeGlob] = []
        var valid = true
        if let typeNode = fields.take("type") {
            let globs: [(String, YAMLTree, String)]
            if let elements = typeNode.elements {
                globs = elements.enumerated().compactMap { index, element in
                    element.scalarText.map { ($0, element, "\(path).type[\(index)]") }
                }
                if globs.count != elements.count || elements.isEmpty {
                    diagnostics.error(
                        "\(path).type must be a glob or a non-empty list of globs", at: typeNode, path: "\(path).type")
                    valid = false
                }
            } else if let text = typeNode.scalarText {
                globs = [(text, typeNode, "\(path).type")]
            } else {
                diagnostics.error(
                    "\(path).type must be a glob or a list of globs", at: typeNode, path: "\(path).type")
                globs = []
                valid = false
            }
            for (text, globNode, globPath) in globs {
                do { types.append(try TypeGlob(text)) } catch {
                    diagnostics.error("\(globPath): \(error)", at: globNode, path: globPath)
                    valid = false
                }
            }
        }
        var filtersOperator = LogicalOperator.and
        if let text = fields.string("filtersLogicalOperator", diagnostics: &diagnostics), !text.isEmpty {
            if let parsed = LogicalOperator(rawValue: text) {
                filtersOperator = parsed
            } else {
                diagnostics.error(
                    "\(path).filtersLogicalOperator must be 'and' or 'or' (lower case), not '\(text)'",
                    at: node["filtersLogicalOperator"] ?? node, path: "\(path).filtersLogicalOperator")
                valid = false
            }
        }
        // The rest is a sensor dependency's `filters`, decoded by the sensor decoder.
        let handled: Set<String> = ["type", "filtersLogicalOperator"]
        let filterEntries = (node.entries ?? []).filter { !handled.contains($0.key) }
        var filters: DependencyFilters?
        if !filterEntries.isEmpty {
            var filtersNode = node
            filtersNode.kind = .mapping(filterEntries)
            let errorsBefore = findings.filter { $0.severity == .error }.count
            filters = sensorDecoder.decodeFilters(filtersNode, path: path, known: handled)
            if findings.filter({ $0.severity == .error }).count != errorsBefore { valid = false }
            if let decoded = filters, decoded.data == nil, decoded.exprs == nil, decoded.context == nil,
                decoded.time == nil
            {
                filters = nil
            }
        }
        for entry in filterEntries { fields.ignore(entry.key) }
        fields.finish(diagnostics: &diagnostics)
        guard valid else { return nil }
        return RouteMatch(types: types, filters: filters, filtersLogicalOperator: filtersOperator)
    }

    private mutating func decodeKubeflow(_ node: YAMLTree, path: String) -> KubeflowTargetSpec? {
        guard var fields = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        let pipeline = fields.string("pipeline", required: true, diagnostics: &diagnostics)
        let version = fields.string("version", diagnostics: &diagnostics).flatMap { $0.isEmpty ? nil : $0 }
        let experiment = fields.string("experiment", diagnostics: &diagnostics).flatMap { $0.isEmpty ? nil : $0 }
        let parameters = decodeParameters(&fields)
        fields.finish(diagnostics: &diagnostics)
        guard let pipeline, let parameters else { return nil }
        return KubeflowTargetSpec(
            pipeline: pipeline, version: version, experiment: experiment, parameters: parameters,
            location: node.location)
    }

    /// `argo` (or `hybrid`, which also holds the `kubeflow` run its `kfp-trigger` step starts).
    private mutating func decodeArgo(_ node: YAMLTree, path: String, hybrid: Bool)
        -> (ArgoTargetSpec, KubeflowTargetSpec?)?
    {
        guard var fields = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        let namespaced = fields.string("workflowTemplate", diagnostics: &diagnostics)
        let cluster = fields.string("clusterWorkflowTemplate", diagnostics: &diagnostics)
        let namespace = fields.string("namespace", diagnostics: &diagnostics).flatMap { $0.isEmpty ? nil : $0 }
        let parameters = decodeParameters(&fields)
        var kubeflow: KubeflowTargetSpec?
        if hybrid {
            if let kubeflowNode = fields.take("kubeflow") {
                kubeflow = decodeKubeflow(kubeflowNode, path: "\(path).kubeflow")
            } else {
                diagnostics.error(
                    "\(path).kubeflow is required: the pipeline the kfp-trigger step starts", at: node,
                    path: "\(path).kubeflow")
            }
        }
        fields.finish(diagnostics: &diagnostics)
        if let parameters, hybrid {
            for parameter in parameters where HybridParameters.all.contains(parameter.name) {
                diagnostics.error(
                    "\(path).parameters: '\(parameter.name)' is set by the route from \(path).kubeflow and the event",
                    at: parameter.location, path: "\(path).parameters")
            }
        }
        let kind: WorkflowTemplateKind
        let name: String
        switch (namespaced, cluster) {
        case (let template?, nil) where !template.isEmpty:
            (kind, name) = (.workflowTemplate, template)
        case (nil, let template?) where !template.isEmpty:
            (kind, name) = (.clusterWorkflowTemplate, template)
        case (.some, .some):
            diagnostics.error(
                "\(path) sets both workflowTemplate and clusterWorkflowTemplate", at: node, path: path)
            return nil
        default:
            diagnostics.error(
                "\(path).workflowTemplate (or clusterWorkflowTemplate) is required", at: node,
                path: "\(path).workflowTemplate")
            return nil
        }
        if kind == .clusterWorkflowTemplate, let namespaceNode = node["namespace"] {
            diagnostics.warning(
                "\(path).namespace is the namespace the workflow runs in; a ClusterWorkflowTemplate itself has none",
                at: namespaceNode.location, path: "\(path).namespace")
        }
        guard let parameters, !hybrid || kubeflow != nil else { return nil }
        return (
            ArgoTargetSpec(
                templateKind: kind, templateName: name, namespace: namespace, parameters: parameters,
                location: node.location), kubeflow
        )
    }

    /// `parameters: [{name, src: {dataKey|contextKey|dataTemplate|contextTemplate|value|useRawData}}]`;
    /// `nil` when an entry has errors.
    private mutating func decodeParameters(_ fields: inout FieldReader) -> [RouteParameter]? {
        var parameters: [RouteParameter] = []
        var valid = true
        var seen: [String: SourceLocation] = [:]
        for (node, path) in fields.list("parameters", diagnostics: &diagnostics) ?? [] {
            guard var entry = FieldReader(node, path: path, diagnostics: &diagnostics) else {
                valid = false
                continue
            }
            let name = entry.string("name", required: true, diagnostics: &diagnostics)
            let source = entry.take("src").flatMap { decodeSource($0, path: "\(path).src") }
            if node["src"] == nil {
                diagnostics.error("\(path).src is required", at: node, path: "\(path).src")
            }
            entry.finish(diagnostics: &diagnostics)
            guard let name, let source else {
                valid = false
                continue
            }
            if let first = seen[name] {
                diagnostics.error(
                    "\(path).name: duplicate parameter '\(name)' (first at \(first.line):\(first.column))",
                    at: node["name"] ?? node, path: "\(path).name")
                valid = false
                continue
            }
            seen[name] = node.location
            parameters.append(
                RouteParameter(
                    name: name,
                    parameter: TriggerParameter(
                        source: source, destination: name, operation: .overwrite, location: node.location),
                    location: node.location))
        }
        return valid ? parameters : nil
    }

    private mutating func decodeSource(_ node: YAMLTree, path: String) -> ParameterSource? {
        guard var src = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        let errorsBefore = findings.filter { $0.severity == .error }.count
        func nonEmpty(_ text: String?) -> String? { text?.isEmpty == false ? text : nil }
        let contextKeyText = nonEmpty(src.string("contextKey", diagnostics: &diagnostics))
        let dataKeyText = nonEmpty(src.string("dataKey", diagnostics: &diagnostics))
        let contextTemplateText = nonEmpty(src.string("contextTemplate", diagnostics: &diagnostics))
        let dataTemplateText = nonEmpty(src.string("dataTemplate", diagnostics: &diagnostics))
        let value = src.string("value", diagnostics: &diagnostics)
        let useRawData = src.bool("useRawData", diagnostics: &diagnostics) ?? false
        src.finish(
            diagnostics: &diagnostics,
            hints: ["dependencyName": "a route parameter always reads the event being routed"])
        let contextKey = contextKeyText.flatMap {
            sensorDecoder.parsePath($0, at: node["contextKey"] ?? node, path: "\(path).contextKey")
        }
        let dataKey = dataKeyText.flatMap {
            sensorDecoder.parsePath($0, at: node["dataKey"] ?? node, path: "\(path).dataKey")
        }
        let contextTemplate = contextTemplateText.flatMap {
            sensorDecoder.parseTemplate($0, at: node["contextTemplate"] ?? node, path: "\(path).contextTemplate")
        }
        let dataTemplate = dataTemplateText.flatMap {
            sensorDecoder.parseTemplate($0, at: node["dataTemplate"] ?? node, path: "\(path).dataTemplate")
        }
        if contextKeyText == nil && dataKeyText == nil && contextTemplateText == nil && dataTemplateText == nil
            && value == nil
        {
            diagnostics.error(
                "\(path) must set one of dataKey, contextKey, dataTemplate, contextTemplate, value", at: node,
                path: path)
        }
        guard findings.filter({ $0.severity == .error }).count == errorsBefore else { return nil }
        return ParameterSource(
            dependencyName: RouteParameter.eventKey, contextKey: contextKey, contextTemplate: contextTemplate,
            dataKey: dataKey, dataTemplate: dataTemplate, value: value, useRawData: useRawData)
    }

    // MARK: Checks across routes

    /// Duplicate names are errors; so is a route after a catch-all, which can never match.
    private mutating func checkOrder(_ routes: [Route], defaultRoute: Route?) {
        var seen: [String: SourceLocation] = [:]
        for route in routes + (defaultRoute.map { [$0] } ?? []) {
            if let first = seen[route.name] {
                diagnostics.error(
                    "duplicate route name '\(route.name)' (first at \(first.line):\(first.column))",
                    at: route.location, path: "spec.routes")
            } else {
                seen[route.name] = route.location
            }
        }
        guard let index = routes.firstIndex(where: { $0.match?.isCatchAll == true }) else { return }
        let catchAll = routes[index]
        let at = "\(catchAll.location.line):\(catchAll.location.column)"
        for route in routes[(index + 1)...] {
            diagnostics.error(
                "route '\(route.name)' is shadowed: route '\(catchAll.name)' before it (at \(at)) matches every event",
                at: route.location, path: "spec.routes")
        }
        if let defaultRoute {
            diagnostics.warning(
                "spec.default '\(defaultRoute.name)' is never used: route '\(catchAll.name)' (at \(at)) matches every event",
                at: defaultRoute.location, path: "spec.default")
        }
    }

    /// Unknown templates and pipelines are warnings: they may exist in the cluster without being in this repository.
    private mutating func checkReferences(_ route: Route, pipelines: [KnownPipeline]?) {
        let argo: ArgoTargetSpec?
        let kubeflow: KubeflowTargetSpec?
        switch route.target {
        case .kubeflow(let spec): (argo, kubeflow) = (nil, spec)
        case .argo(let spec): (argo, kubeflow) = (spec, nil)
        case .hybrid(let argoSpec, let kubeflowSpec): (argo, kubeflow) = (argoSpec, kubeflowSpec)
        }
        if let argo, let argoTemplates {
            checkTemplate(argo, route: route, catalog: argoTemplates)
        }
        if let kubeflow, let pipelines {
            if let known = pipelines.first(where: { $0.name == kubeflow.pipeline }) {
                if let version = kubeflow.version, !known.versions.isEmpty, !known.versions.contains(version) {
                    diagnostics.warning(
                        "route '\(route.name)': pipeline '\(kubeflow.pipeline)' has no version '\(version)' in spec.pipelines (known: \(known.versions.joined(separator: ", ")))",
                        at: kubeflow.location, path: "spec.pipelines")
                }
            } else {
                diagnostics.warning(
                    "route '\(route.name)': unknown pipeline '\(kubeflow.pipeline)' (not in spec.pipelines)",
                    at: kubeflow.location, path: "spec.pipelines")
            }
        }
    }

    private mutating func checkTemplate(_ argo: ArgoTargetSpec, route: Route, catalog: ArgoTemplateCatalog) {
        guard let template = catalog.template(kind: argo.templateKind, name: argo.templateName) else {
            diagnostics.warning(
                "route '\(route.name)': unknown \(argo.templateKind.rawValue) '\(argo.templateName)' (not in \(catalog.directory))",
                at: argo.location, path: "")
            return
        }
        var given = argo.parameters.map(\.name)
        if route.engine == .hybrid { given += HybridParameters.all }
        let declared = Set(template.parameters.map(\.name))
        for name in given where !declared.contains(name) {
            diagnostics.warning(
                "route '\(route.name)': \(argo.templateKind.rawValue) '\(template.name)' declares no parameter '\(name)'",
                at: argo.location, path: "")
        }
        for parameter in template.parameters where !parameter.hasDefault && !given.contains(parameter.name) {
            diagnostics.warning(
                "route '\(route.name)': \(argo.templateKind.rawValue) '\(template.name)' needs parameter '\(parameter.name)', which the route does not set",
                at: argo.location, path: "")
        }
    }
}

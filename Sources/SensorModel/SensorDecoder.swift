package import EventModel
package import ConfigReader
package import SensorLanguage

/// Decodes one YAML document into a ``Sensor``, collecting findings instead of stopping at the first.
package struct SensorDecoder {
    package var diagnostics = Diagnostics()

    /// Fields of a SensorSpec that concern Kubernetes deployment, not event processing: accepted, with a warning.
    static let deploymentFields: [String: String] = [
        "template": "pod settings do not apply: sensor-gateway runs all sensors in one deployment",
        "replicas": "sensor-gateway scales through its JetStream consumers, not per-sensor replicas",
        "eventBusName": "the JetStream stream comes from the gateway configuration",
        "revisionHistoryLimit": "no per-sensor deployment",
        "loggingFields": "log fields come from the gateway configuration",
        "errorOnFailedRound": "no effect in Argo Events either",
    ]

    /// Trigger kinds Argo Events has and sensor-gateway does not execute.
    static let unsupportedKinds = [
        "awsLambda", "custom", "kafka", "slack", "openWhisk", "azureEventHubs", "pulsar", "azureServiceBus", "email",
    ]

    /// Decodes a document; `nil` when it is not a Sensor (with a warning) or has errors.
    package mutating func decode(_ document: YAMLTree) -> Sensor? {
        guard var root = FieldReader(document, path: "", diagnostics: &diagnostics) else { return nil }
        let apiVersion = root.string("apiVersion", diagnostics: &diagnostics)
        let kind = root.string("kind", diagnostics: &diagnostics)
        guard kind == "Sensor" else {
            diagnostics.warning(
                "skipped: kind \(kind.map { "'\($0)'" } ?? "missing"), not a Sensor", at: document.location,
                path: "kind")
            return nil
        }
        if apiVersion != "argoproj.io/v1alpha1" {
            diagnostics.error(
                "apiVersion must be argoproj.io/v1alpha1, not '\(apiVersion ?? "")'",
                at: document["apiVersion"] ?? document, path: "apiVersion")
        }
        var name = ""
        var namespace: String?
        if let metadataNode = root.take("metadata") {
            (name, namespace) = decodeMetadata(metadataNode)
        } else {
            diagnostics.error("metadata.name is required", at: document, path: "metadata.name")
        }
        root.ignore("status")
        guard let specNode = root.take("spec") else {
            diagnostics.error("spec is required", at: document, path: "spec")
            root.finish(diagnostics: &diagnostics)
            return nil
        }
        root.finish(diagnostics: &diagnostics)
        guard var spec = FieldReader(specNode, path: "spec", diagnostics: &diagnostics) else { return nil }
        for (key, reason) in Self.deploymentFields.sorted(by: { $0.key < $1.key }) {
            if let value = spec.take(key) {
                diagnostics.warning("ignored: spec.\(key) (\(reason))", at: value.location, path: "spec.\(key)")
            }
        }
        var dependencies: [Dependency] = []
        if let elements = spec.list("dependencies", diagnostics: &diagnostics), !elements.isEmpty {
            for (node, path) in elements {
                if let dependency = decodeDependency(node, path: path) { dependencies.append(dependency) }
            }
        } else {
            diagnostics.error(
                "spec.dependencies must list at least one dependency", at: specNode, path: "spec.dependencies")
        }
        var triggers: [Trigger] = []
        let triggerElements = spec.list("triggers", diagnostics: &diagnostics) ?? []
        if triggerElements.isEmpty {
            diagnostics.error("spec.triggers must list at least one trigger", at: specNode, path: "spec.triggers")
        }
        let context = SensorContext(dependencies: dependencies)
        for (node, path) in triggerElements {
            if let trigger = decodeTrigger(node, path: path, context: context) { triggers.append(trigger) }
        }
        spec.finish(diagnostics: &diagnostics)
        checkDuplicates(dependencies.map { ($0.name, $0.location) }, what: "dependency", path: "spec.dependencies")
        checkDuplicates(triggers.map { ($0.name, $0.location) }, what: "trigger", path: "spec.triggers")
        guard !diagnostics.hasErrors else { return nil }
        return Sensor(
            name: name, namespace: namespace, location: document.location, dependencies: dependencies,
            triggers: triggers)
    }

    /// `metadata` keys the API server sets and `kubectl get -o yaml` exports: accepted without a finding.
    static let serverSetMetadata = [
        "creationTimestamp", "generation", "managedFields", "resourceVersion", "selfLink", "uid",
    ]

    /// `metadata` keys that steer a Kubernetes object's lifecycle, which a sensor read from a file does not have:
    /// accepted, with a warning.
    static let lifecycleMetadata: [String: String] = [
        "ownerReferences": "no garbage collection: sensor-gateway reads sensors from files",
        "finalizers": "no deletion hooks: sensor-gateway reads sensors from files",
        "deletionTimestamp": "the sensor runs until it is removed from the files",
        "deletionGracePeriodSeconds": "the sensor runs until it is removed from the files",
    ]

    /// Reads an ObjectMeta: `name` (required) and `namespace`. `labels` and `annotations` (mappings of strings,
    /// without behaviour here), `generateName` beside a `name` (Kubernetes then ignores it) and the keys the API
    /// server sets are accepted; any other key is `not supported`. The name is empty after an error.
    private mutating func decodeMetadata(_ node: YAMLTree) -> (name: String, namespace: String?) {
        guard var metadata = FieldReader(node, path: "metadata", diagnostics: &diagnostics) else {
            diagnostics.error("metadata.name is required", at: node, path: "metadata.name")
            return ("", nil)
        }
        let generateName = metadata.string("generateName", diagnostics: &diagnostics)
        let name = metadata.string("name", required: generateName == nil, diagnostics: &diagnostics) ?? ""
        if name.isEmpty, let generateName {
            diagnostics.error(
                "metadata.name is required (the Kubernetes API server completes generateName '\(generateName)'; "
                    + "a sensor read from a file needs its own name)",
                at: node["name"] ?? node["generateName"] ?? node, path: "metadata.name")
        }
        let namespace = metadata.string("namespace", diagnostics: &diagnostics)
        for key in ["labels", "annotations"] {
            guard let value = metadata.take(key) else { continue }
            guard let entries = value.entries else {
                diagnostics.error("metadata.\(key) must be a mapping", at: value, path: "metadata.\(key)")
                continue
            }
            for entry in entries where entry.value.scalarText == nil && !entry.value.isNull {
                let path = "metadata.\(key).\(entry.key)"
                diagnostics.error("\(path) must be a string", at: entry.value, path: path)
            }
        }
        for key in Self.serverSetMetadata { metadata.ignore(key) }
        for (key, reason) in Self.lifecycleMetadata.sorted(by: { $0.key < $1.key }) {
            if let value = metadata.take(key) {
                diagnostics.warning(
                    "ignored: metadata.\(key) (\(reason))", at: value.location, path: "metadata.\(key)")
            }
        }
        metadata.finish(diagnostics: &diagnostics)
        return (name, namespace)
    }

    private mutating func checkDuplicates(_ names: [(String, SourceLocation)], what: String, path: String) {
        var seen: [String: SourceLocation] = [:]
        for (name, location) in names {
            if let first = seen[name] {
                diagnostics.error(
                    "duplicate \(what) name '\(name)' (first at \(first.line):\(first.column))", at: location,
                    path: path)
            } else {
                seen[name] = location
            }
        }
    }

    // MARK: Dependencies

    private mutating func decodeDependency(_ node: YAMLTree, path: String) -> Dependency? {
        guard var fields = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        let name = fields.string("name", required: true, diagnostics: &diagnostics)
        let source = fields.string("eventSourceName", required: true, diagnostics: &diagnostics)
        let event = fields.string("eventName", required: true, diagnostics: &diagnostics)
        let subject = fields.string("subject", diagnostics: &diagnostics)
        let filtersOperator = logicalOperator(&fields, "filtersLogicalOperator")
        var filters: DependencyFilters?
        if let filtersNode = fields.take("filters") {
            filters = decodeFilters(filtersNode, path: fields.childPath("filters"))
        }
        fields.finish(diagnostics: &diagnostics, hints: ["transform": "jq and Lua transforms are not implemented"])
        if subject == nil {
            for (label, value) in [("eventSourceName", source), ("eventName", event)] {
                if let value, value.contains(where: { ".*> \t".contains($0) }) {
                    diagnostics.error(
                        "\(path).\(label) '\(value)' cannot be a NATS subject token (no '.', '*', '>' or spaces); set subject:",
                        at: node[label] ?? node, path: "\(path).\(label)")
                }
            }
        }
        if let subject,
            subject.isEmpty
                || subject.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty)
        {
            diagnostics.error(
                "\(path).subject '\(subject)' is not a valid NATS subject", at: node["subject"] ?? node,
                path: "\(path).subject")
        }
        if let name, !name.unicodeScalars.allSatisfy(ConditionExpression.isNameScalar) {
            diagnostics.warning(
                "\(path).name '\(name)' cannot be written in conditions (letters, digits, '-', '_' and '.' only)",
                at: (node["name"] ?? node).location, path: "\(path).name")
        }
        guard let name, let source, let event else { return nil }
        return Dependency(
            name: name, eventSourceName: source, eventName: event, subjectOverride: subject, filters: filters,
            filtersLogicalOperator: filtersOperator ?? .and, location: node.location)
    }

    private mutating func logicalOperator(_ fields: inout FieldReader, _ key: String) -> LogicalOperator? {
        guard let text = fields.string(key, diagnostics: &diagnostics), !text.isEmpty else { return nil }
        guard let op = LogicalOperator(rawValue: text) else {
            diagnostics.error(
                "\(fields.childPath(key)) must be 'and' or 'or' (lower case), not '\(text)'",
                at: fields.node[key] ?? fields.node, path: fields.childPath(key))
            return nil
        }
        return op
    }

    mutating func decodeFilters(_ node: YAMLTree, path: String) -> DependencyFilters? {
        guard var fields = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        var filters = DependencyFilters(
            exprs: nil, data: nil, context: nil, time: nil,
            dataLogicalOperator: logicalOperator(&fields, "dataLogicalOperator") ?? .and,
            exprLogicalOperator: logicalOperator(&fields, "exprLogicalOperator") ?? .and)
        if let elements = fields.list("data", diagnostics: &diagnostics) {
            filters.data = elements.compactMap { decodeDataFilter($0.0, path: $0.1) }
        }
        if let elements = fields.list("exprs", diagnostics: &diagnostics) {
            filters.exprs = elements.compactMap { decodeExprFilter($0.0, path: $0.1) }
        }
        if let contextNode = fields.take("context") {
            filters.context = decodeContextFilter(contextNode, path: fields.childPath("context"))
        }
        if let timeNode = fields.take("time") {
            filters.time = decodeTimeFilter(timeNode, path: fields.childPath("time"))
        }
        fields.finish(diagnostics: &diagnostics, hints: ["script": "Lua script filters are not implemented; use exprs"])
        return filters
    }

    private mutating func decodeDataFilter(_ node: YAMLTree, path: String) -> DataFilter? {
        guard var fields = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        let pathText = fields.string("path", required: true, diagnostics: &diagnostics)
        let typeText = fields.string("type", required: true, diagnostics: &diagnostics)
        let values = fields.stringList("value", diagnostics: &diagnostics) ?? []
        let comparatorText = fields.string("comparator", diagnostics: &diagnostics) ?? ""
        let templateText = fields.string("template", diagnostics: &diagnostics)
        fields.finish(diagnostics: &diagnostics)
        let gjsonPath = pathText.flatMap { parsePath($0, at: node["path"] ?? node, path: "\(path).path") }
        var type: DataFilter.ValueType?
        if let typeText {
            type = DataFilter.ValueType(rawValue: typeText)
            if type == nil {
                diagnostics.error(
                    "\(path).type '\(typeText)' is not a JSON type (bool, number, string)", at: node["type"] ?? node,
                    path: "\(path).type")
            }
        }
        if values.isEmpty {
            diagnostics.error(
                "\(path).value must list at least one value", at: node["value"] ?? node, path: "\(path).value")
        } else if values.contains(where: \.isEmpty) {
            diagnostics.error(
                "\(path).value must not contain empty values", at: node["value"] ?? node, path: "\(path).value")
        }
        let comparator =
            comparatorText.isEmpty ? DataFilter.Comparator.equal : DataFilter.Comparator(rawValue: comparatorText)
        if comparator == nil {
            diagnostics.error(
                "\(path).comparator '\(comparatorText)' is not one of = != < <= > >=", at: node["comparator"] ?? node,
                path: "\(path).comparator")
        }
        if type == .string, let comparator, comparator != .equal && comparator != .notEqual {
            diagnostics.error(
                "\(path).comparator '\(comparator.rawValue)' cannot compare strings (only = and !=; Argo Events never passes it)",
                at: node["comparator"] ?? node, path: "\(path).comparator")
        }
        if type == .bool, let comparator, comparator != .equal {
            diagnostics.error(
                "\(path).comparator '\(comparator.rawValue)' has no effect on bool filters in Argo Events (only =); list the other value instead",
                at: node["comparator"] ?? node, path: "\(path).comparator")
        }
        let template = templateText.flatMap {
            parseTemplate($0, at: node["template"] ?? node, path: "\(path).template")
        }
        var patterns: [TextPattern] = []
        var numbers: [Double] = []
        var booleans: [Bool] = []
        let valueNode = node["value"] ?? node
        for (position, value) in values.enumerated() where !value.isEmpty {
            let location = valueNode.elements.map { $0[position].location } ?? valueNode.location
            switch type {
            case .string:
                do { patterns.append(try TextPattern(value)) } catch {
                    diagnostics.error(
                        "\(path).value[\(position)] is not a valid regular expression: '\(value)'", at: location,
                        path: "\(path).value[\(position)]")
                }
            case .number:
                if let number = Double(value.trimmingSpaces) {
                    numbers.append(number)
                } else {
                    diagnostics.error(
                        "\(path).value[\(position)] '\(value)' is not a number", at: location,
                        path: "\(path).value[\(position)]")
                }
            case .bool:
                if let flag = GoBool.parse(value) {
                    booleans.append(flag)
                } else {
                    diagnostics.error(
                        "\(path).value[\(position)] '\(value)' is not a boolean", at: location,
                        path: "\(path).value[\(position)]")
                }
            case nil: break
            }
        }
        guard let gjsonPath, let type, let comparator, !values.isEmpty else { return nil }
        return DataFilter(
            path: gjsonPath, type: type, values: values, comparator: comparator, template: template, patterns: patterns,
            numbers: numbers, booleans: booleans)
    }

    private mutating func decodeExprFilter(_ node: YAMLTree, path: String) -> ExprFilter? {
        guard var fields = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        let source = fields.string("expr", required: true, diagnostics: &diagnostics)
        var namedPaths: [(name: String, path: GJSONPath)] = []
        let fieldElements = fields.list("fields", diagnostics: &diagnostics) ?? []
        if fieldElements.isEmpty {
            diagnostics.error("\(path).fields must list at least one field", at: node, path: "\(path).fields")
        }
        for (fieldNode, fieldPath) in fieldElements {
            guard var entry = FieldReader(fieldNode, path: fieldPath, diagnostics: &diagnostics) else { continue }
            let name = entry.string("name", required: true, diagnostics: &diagnostics)
            let pathText = entry.string("path", required: true, diagnostics: &diagnostics)
            entry.finish(diagnostics: &diagnostics)
            if let name, let pathText,
                let parsed = parsePath(pathText, at: fieldNode["path"] ?? fieldNode, path: "\(fieldPath).path")
            {
                namedPaths.append((name, parsed))
            }
        }
        fields.finish(diagnostics: &diagnostics)
        guard let source else { return nil }
        let expression: FilterExpression
        do {
            expression = try FilterExpression.parse(source)
        } catch {
            diagnostics.error("\(path).expr: \(error)", at: node["expr"] ?? node, path: "\(path).expr")
            return nil
        }
        let defined = Set(namedPaths.map(\.name))
        for variable in expression.variables.sorted() where !defined.contains(variable) {
            diagnostics.error(
                "\(path).expr uses '\(variable)', which no field defines", at: node["expr"] ?? node,
                path: "\(path).expr")
        }
        var patterns: [String: TextPattern] = [:]
        collectPatterns(expression, into: &patterns, at: node["expr"] ?? node, path: "\(path).expr")
        guard !namedPaths.isEmpty else { return nil }
        return ExprFilter(expression: expression, source: source, fields: namedPaths, patterns: patterns)
    }

    private mutating func collectPatterns(
        _ expression: FilterExpression, into patterns: inout [String: TextPattern], at node: YAMLTree, path: String
    ) {
        switch expression {
        case .binary(let op, let left, let right):
            if op == .matches || op == .notMatches, case .string(let pattern) = right {
                do { patterns[pattern] = try TextPattern(pattern) } catch {
                    diagnostics.error("\(path): '\(pattern)' is not a valid regular expression", at: node, path: path)
                }
            }
            collectPatterns(left, into: &patterns, at: node, path: path)
            collectPatterns(right, into: &patterns, at: node, path: path)
        case .not(let operand), .negate(let operand):
            collectPatterns(operand, into: &patterns, at: node, path: path)
        case .conditional(let condition, let then, let otherwise):
            for part in [condition, then, otherwise] { collectPatterns(part, into: &patterns, at: node, path: path) }
        case .array(let elements):
            for element in elements { collectPatterns(element, into: &patterns, at: node, path: path) }
        case .number, .string, .bool, .variable:
            break
        }
    }

    private mutating func decodeContextFilter(_ node: YAMLTree, path: String) -> ContextFilter? {
        guard var fields = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        func nonEmpty(_ text: String?) -> String? { text?.isEmpty == false ? text : nil }
        let filter = ContextFilter(
            type: nonEmpty(fields.string("type", diagnostics: &diagnostics)),
            subject: nonEmpty(fields.string("subject", diagnostics: &diagnostics)),
            source: nonEmpty(fields.string("source", diagnostics: &diagnostics)),
            dataContentType: nonEmpty(fields.string("datacontenttype", diagnostics: &diagnostics)))
        for key in ["id", "specversion", "time", "dataschema"] {
            if let value = fields.take(key) {
                diagnostics.warning(
                    "ignored: \(path).\(key) (context filters compare only type, subject, source and datacontenttype, as in Argo Events)",
                    at: value.location, path: "\(path).\(key)")
            }
        }
        fields.finish(diagnostics: &diagnostics)
        if filter.type == nil && filter.subject == nil && filter.source == nil && filter.dataContentType == nil {
            diagnostics.error(
                "\(path) must set at least one of type, subject, source, datacontenttype", at: node, path: path)
            return nil
        }
        return filter
    }

    private mutating func decodeTimeFilter(_ node: YAMLTree, path: String) -> TimeFilter? {
        guard var fields = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        let startText = fields.string("start", required: true, diagnostics: &diagnostics)
        let stopText = fields.string("stop", required: true, diagnostics: &diagnostics)
        let zoneText = fields.string("timezone", diagnostics: &diagnostics)
        fields.finish(diagnostics: &diagnostics)
        var start: TimeOfDay?
        var stop: TimeOfDay?
        for (key, text) in [("start", startText), ("stop", stopText)] {
            guard let text else { continue }
            let parsed = TimeOfDay(text)
            if parsed == nil {
                diagnostics.error(
                    "\(path).\(key) '\(text)' is not a time HH:MM:SS", at: node[key] ?? node, path: "\(path).\(key)")
            }
            if key == "start" { start = parsed } else { stop = parsed }
        }
        var zone = ZoneRule.utc
        if let zoneText, !zoneText.isEmpty {
            if let parsed = ZoneRule(identifier: zoneText) {
                zone = parsed
            } else {
                diagnostics.error(
                    "\(path).timezone: invalid timezone '\(zoneText)'", at: node["timezone"] ?? node,
                    path: "\(path).timezone")
                return nil
            }
        }
        guard let start, let stop else { return nil }
        if start == stop {
            diagnostics.error(
                "\(path): start and stop are both \(start); the window would be empty", at: node, path: path)
            return nil
        }
        return TimeFilter(start: start, stop: stop, zone: zone)
    }

    // MARK: Shared parsers

    mutating func parsePath(_ text: String, at node: YAMLTree, path: String) -> GJSONPath? {
        do { return try GJSONPath(text) } catch {
            diagnostics.error("\(path): \(error)", at: node, path: path)
            return nil
        }
    }

    mutating func parseTemplate(_ text: String, at node: YAMLTree, path: String) -> GoTemplate? {
        do { return try GoTemplate(text) } catch {
            diagnostics.error("\(path): \(error)", at: node, path: path)
            return nil
        }
    }

    // MARK: Triggers

    package struct SensorContext {
        package let dependencies: [Dependency]

        package func resolve(_ name: String) -> String? {
            dependencies.first { $0.name == name }?.name
                ?? dependencies.first { Sensor.lookupKey($0.name) == Sensor.lookupKey(name) }?.name
        }
    }

    private mutating func decodeTrigger(_ node: YAMLTree, path: String, context: SensorContext) -> Trigger? {
        guard var fields = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        guard let templateNode = fields.take("template") else {
            diagnostics.error("\(path).template is required", at: node, path: "\(path).template")
            fields.finish(diagnostics: &diagnostics)
            return nil
        }
        let parameters = decodeParameters(&fields, "parameters", context: context, allowEmptyDestination: false)
        var allowedStatuses: [Int]?
        if let policyNode = fields.take("policy"),
            var policy = FieldReader(policyNode, path: "\(path).policy", diagnostics: &diagnostics)
        {
            if let statusNode = policy.take("status"),
                var status = FieldReader(statusNode, path: "\(path).policy.status", diagnostics: &diagnostics)
            {
                allowedStatuses = []
                for (element, elementPath) in status.list("allow", diagnostics: &diagnostics) ?? [] {
                    if let text = element.scalarText, let code = Int(text), (100...599).contains(code) {
                        allowedStatuses?.append(code)
                    } else {
                        diagnostics.error("\(elementPath) must be an HTTP status code", at: element, path: elementPath)
                    }
                }
                status.finish(diagnostics: &diagnostics)
            }
            policy.finish(diagnostics: &diagnostics, hints: ["k8s": "resource label polling is not implemented"])
        }
        let retryStrategy = fields.take("retryStrategy").flatMap { decodeRetry($0, path: "\(path).retryStrategy") }
        let rateLimit = fields.take("rateLimit").flatMap { decodeRateLimit($0, path: "\(path).rateLimit") }
        let atLeastOnce = fields.bool("atLeastOnce", diagnostics: &diagnostics) ?? false
        fields.finish(
            diagnostics: &diagnostics, hints: ["dlqTrigger": "failed triggers go to the gateway's DLQ subject instead"])

        guard var template = FieldReader(templateNode, path: "\(path).template", diagnostics: &diagnostics) else {
            return nil
        }
        let templatePath = "\(path).template"
        let name = template.string("name", required: true, diagnostics: &diagnostics)
        let conditionsText = template.string("conditions", diagnostics: &diagnostics)
        var conditions: ConditionExpression?
        if let conditionsText {
            do {
                let parsed = try ConditionExpression.parse(conditionsText)
                var resolved = true
                for dependencyName in parsed.names where context.resolve(dependencyName) == nil {
                    resolved = false
                    diagnostics.error(
                        "\(templatePath).conditions names '\(dependencyName)', which is not a dependency of this sensor",
                        at: templateNode["conditions"] ?? templateNode, path: "\(templatePath).conditions")
                }
                if resolved { conditions = parsed.renaming { context.resolve($0) ?? $0 } }
            } catch {
                diagnostics.error(
                    "\(templatePath).conditions: \(error)", at: templateNode["conditions"] ?? templateNode,
                    path: "\(templatePath).conditions")
            }
        } else {
            conditions = ConditionExpression.all(context.dependencies.map(\.name))
        }
        var resets: [CronSchedule] = []
        for (resetNode, resetPath) in template.list("conditionsReset", diagnostics: &diagnostics) ?? [] {
            guard var reset = FieldReader(resetNode, path: resetPath, diagnostics: &diagnostics) else { continue }
            if let byTimeNode = reset.take("byTime"),
                var byTime = FieldReader(byTimeNode, path: "\(resetPath).byTime", diagnostics: &diagnostics)
            {
                let cron = byTime.string("cron", required: true, diagnostics: &diagnostics)
                let zoneText = byTime.string("timezone", diagnostics: &diagnostics)
                byTime.finish(diagnostics: &diagnostics)
                var zone = ZoneRule.utc
                if let zoneText, !zoneText.isEmpty {
                    if let parsed = ZoneRule(identifier: zoneText) {
                        zone = parsed
                    } else {
                        diagnostics.error(
                            "\(resetPath).byTime.timezone: invalid timezone '\(zoneText)'",
                            at: byTimeNode["timezone"] ?? byTimeNode, path: "\(resetPath).byTime.timezone")
                    }
                }
                if let cron {
                    do { resets.append(try CronSchedule(cron, zone: zone)) } catch {
                        diagnostics.error(
                            "\(resetPath).byTime.cron: \(error)", at: byTimeNode["cron"] ?? byTimeNode,
                            path: "\(resetPath).byTime.cron")
                    }
                }
            } else {
                diagnostics.error("\(resetPath).byTime is required", at: resetNode, path: "\(resetPath).byTime")
            }
            reset.finish(diagnostics: &diagnostics)
        }
        let kindKeys =
            ["k8s", "argoWorkflow", "http", "nats", "log", "kubeflowPipeline", "route"] + Self.unsupportedKinds
        let present = kindKeys.filter { templateNode[$0] != nil }
        var kind: TriggerKind?
        for key in present where Self.unsupportedKinds.contains(key) {
            _ = template.take(key)
            diagnostics.error(
                "not supported: \(templatePath).\(key) (trigger kind '\(key)'; sensor-gateway runs argoWorkflow, k8s Workflow, http, nats, log, kubeflowPipeline and route)",
                at: templateNode.entries?.first { $0.key == key }?.keyLocation ?? templateNode.location,
                path: "\(templatePath).\(key)")
        }
        if present.isEmpty {
            diagnostics.error(
                "\(templatePath) has no trigger of a known kind (argoWorkflow, k8s, http, nats, log, kubeflowPipeline, route)",
                at: templateNode, path: templatePath)
        } else if present.count > 1 {
            diagnostics.error(
                "\(templatePath) sets more than one trigger kind (\(present.joined(separator: ", ")))",
                at: templateNode, path: templatePath)
        } else if let key = present.first, let kindNode = template.take(key) {
            kind = decodeKind(key, kindNode, path: "\(templatePath).\(key)", context: context)
        }
        template.finish(
            diagnostics: &diagnostics,
            hints: [
                "atLeastOnce": "atLeastOnce belongs on the trigger, next to template, not inside it",
                "policy": "policy belongs on the trigger, next to template, not inside it",
            ])
        if case .route = kind, !parameters.isEmpty {
            diagnostics.warning(
                "\(path).parameters have no effect on a route trigger: route parameters come from the routing matrix",
                at: node["parameters"]?.location ?? node.location, path: "\(path).parameters")
        }
        if let conditions, let name {
            for parameter in parameters + (kind?.parameters ?? []) {
                let dependency = parameter.source.dependencyName
                if !conditions.names.contains(dependency) {
                    diagnostics.warning(
                        "parameter source '\(dependency)' is not in the conditions of trigger '\(name)'; only its value default can apply",
                        at: parameter.location, path: path)
                }
            }
        }
        guard let name, let conditions, let kind else { return nil }
        return Trigger(
            name: name, conditions: conditions, conditionsSource: conditionsText, conditionsReset: resets, kind: kind,
            template: templateNode.eventValue, parameters: parameters, retryStrategy: retryStrategy,
            rateLimit: rateLimit,
            allowedStatuses: allowedStatuses, atLeastOnce: atLeastOnce, location: node.location)
    }

    private mutating func decodeKind(_ key: String, _ node: YAMLTree, path: String, context: SensorContext)
        -> TriggerKind?
    {
        guard var fields = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        defer {
            fields.finish(
                diagnostics: &diagnostics,
                hints: [
                    "basicAuth": "Kubernetes secrets are not implemented", "tls": "per-trigger TLS is not implemented",
                    "auth": "per-trigger NATS credentials are not implemented",
                    "args": "argo CLI arguments have no REST equivalent",
                    "liveObject": "live objects are not implemented", "patchStrategy": "only create is implemented",
                ])
        }
        switch key {
        case "argoWorkflow", "k8s":
            let operationText = fields.string("operation", diagnostics: &diagnostics) ?? ""
            var operation = ArgoWorkflowTrigger.Operation.submit
            if key == "argoWorkflow" {
                if !operationText.isEmpty {
                    guard let parsed = ArgoWorkflowTrigger.Operation(rawValue: operationText) else {
                        diagnostics.error(
                            "\(path).operation '\(operationText)' is not one of \(ArgoWorkflowTrigger.Operation.allCases.map(\.rawValue).joined(separator: ", "))",
                            at: node["operation"] ?? node, path: "\(path).operation")
                        return nil
                    }
                    operation = parsed
                }
            } else if !operationText.isEmpty && operationText != "create" {
                diagnostics.error(
                    "not supported: \(path).operation '\(operationText)' (only create of a Workflow)",
                    at: node["operation"] ?? node,
                    path: "\(path).operation")
                return nil
            }
            let parameters = decodeParameters(&fields, "parameters", context: context, allowEmptyDestination: false)
            guard let sourceNode = fields.take("source") else {
                diagnostics.error("\(path).source is required", at: node, path: "\(path).source")
                return nil
            }
            guard let (resource, source) = decodeArtifact(sourceNode, path: "\(path).source") else { return nil }
            if key == "k8s" && source == .inline {
                let apiVersion = resource["apiVersion"]?.stringValue ?? ""
                let kind = resource["kind"]?.stringValue ?? ""
                guard apiVersion.hasPrefix("argoproj.io/"), kind == "Workflow" else {
                    diagnostics.error(
                        "not supported: \(path) creating '\(kind)' (\(apiVersion)); a k8s trigger may only create an argoproj.io Workflow",
                        at: sourceNode, path: "\(path).source")
                    return nil
                }
            }
            if key == "argoWorkflow" && operation != .submit && source == .inline {
                let resourceKind = resource["kind"]?.stringValue ?? ""
                if operation == .submitFrom
                    && !["CronWorkflow", "WorkflowTemplate", "ClusterWorkflowTemplate"].contains(resourceKind)
                {
                    diagnostics.error(
                        "\(path): submit-from needs a WorkflowTemplate, ClusterWorkflowTemplate or CronWorkflow resource, not '\(resourceKind)'",
                        at: sourceNode, path: "\(path).source")
                }
                if (resource["metadata"]?["name"]?.stringValue ?? "").isEmpty {
                    diagnostics.error(
                        "\(path): operation \(operation.rawValue) needs metadata.name (generateName works only with submit)",
                        at: sourceNode, path: "\(path).source")
                }
            }
            let trigger = ArgoWorkflowTrigger(
                operation: operation, source: source, resource: resource, parameters: parameters, arguments: [])
            return key == "k8s" ? .k8sWorkflow(trigger) : .argoWorkflow(trigger)
        case "http":
            let url = fields.string("url", required: true, diagnostics: &diagnostics)
            let method = (fields.string("method", diagnostics: &diagnostics) ?? "").uppercased()
            if !method.isEmpty && !["GET", "DELETE", "PATCH", "POST", "PUT"].contains(method) {
                diagnostics.error(
                    "\(path).method '\(method)' is not one of GET, DELETE, PATCH, POST, PUT",
                    at: node["method"] ?? node, path: "\(path).method")
            }
            let payload = decodeParameters(&fields, "payload", context: context, allowEmptyDestination: true)
            let parameters = decodeParameters(&fields, "parameters", context: context, allowEmptyDestination: false)
            let dynamicHeaders = decodeParameters(
                &fields, "dynamicHeaders", context: context, allowEmptyDestination: false)
            var headers: [String: String] = [:]
            if let headersNode = fields.take("headers") {
                if let entries = headersNode.entries {
                    for entry in entries {
                        if let text = entry.value.scalarText {
                            headers[entry.key] = text
                        } else {
                            diagnostics.error(
                                "\(path).headers.\(entry.key) must be a string", at: entry.value,
                                path: "\(path).headers.\(entry.key)")
                        }
                    }
                } else {
                    diagnostics.error("\(path).headers must be a mapping", at: headersNode, path: "\(path).headers")
                }
            }
            var timeout = 60
            if let seconds = fields.number("timeout", diagnostics: &diagnostics) {
                if seconds > 0 { timeout = Int(truncating: min(seconds, 86_400)) ?? timeout }
            }
            let secureHeaders = (fields.list("secureHeaders", diagnostics: &diagnostics) ?? []).compactMap {
                decodeSecureHeader($0.0, path: $0.1)
            }
            guard let url else { return nil }
            return .http(
                HTTPTrigger(
                    url: url, method: method.isEmpty ? "POST" : method, payload: payload, parameters: parameters,
                    headers: headers, dynamicHeaders: dynamicHeaders, secureHeaders: secureHeaders,
                    timeoutSeconds: timeout))
        case "nats":
            let url = fields.string("url", required: true, diagnostics: &diagnostics)
            let subject = fields.string("subject", required: true, diagnostics: &diagnostics)
            let payload = decodeParameters(&fields, "payload", context: context, allowEmptyDestination: false)
            let parameters = decodeParameters(&fields, "parameters", context: context, allowEmptyDestination: false)
            if payload.isEmpty && node["payload"] == nil {
                diagnostics.error("\(path).payload is required", at: node, path: "\(path).payload")
            }
            guard let url, let subject else { return nil }
            return .nats(NATSTrigger(url: url, subject: subject, payload: payload, parameters: parameters))
        case "log":
            let interval = fields.number("intervalSeconds", diagnostics: &diagnostics) ?? 0
            return .log(intervalSeconds: Int(truncating: min(max(0, interval), 86_400)) ?? 0)
        case "kubeflowPipeline":
            return decodeKubeflowPipeline(&fields, node, path: path, context: context)
        case "route":
            // No fields: the routing matrix decides where the events go.
            return .route
        default:
            return nil
        }
    }

    private mutating func decodeArtifact(_ node: YAMLTree, path: String) -> (EventValue, ArgoWorkflowTrigger.Source)? {
        guard var fields = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        defer {
            fields.finish(
                diagnostics: &diagnostics,
                hints: [
                    "configmap": "Kubernetes ConfigMaps are not read; inline the resource, or use file or url",
                    "git": "git sources are not implemented; inline the resource, or use file or url",
                    "s3": "S3 sources are not implemented; inline the resource, or use file or url",
                ])
        }
        if let resource = fields.take("resource") {
            guard resource.entries != nil else {
                diagnostics.error("\(path).resource must be a mapping", at: resource, path: "\(path).resource")
                return nil
            }
            return (resource.eventValue, .inline)
        }
        if let urlNode = fields.take("url"),
            var url = FieldReader(urlNode, path: "\(path).url", diagnostics: &diagnostics)
        {
            let location = url.string("path", required: true, diagnostics: &diagnostics)
            // Argo Events' field is `verifyCert`; its own url-sensor example writes `verifycert`, which works there
            // because Go's encoding/json matches field names regardless of case.
            let verifyCert = url.bool("verifyCert", diagnostics: &diagnostics)
            let lowerCase = url.bool("verifycert", diagnostics: &diagnostics)
            url.finish(diagnostics: &diagnostics)
            if verifyCert != nil && lowerCase != nil {
                diagnostics.error(
                    "\(path).url sets both verifyCert and verifycert (one field in Argo Events); set verifyCert",
                    at: urlNode.entries?.first { $0.key == "verifycert" }?.keyLocation ?? urlNode.location,
                    path: "\(path).url.verifycert")
                return nil
            }
            let verify = verifyCert ?? lowerCase ?? true
            guard let location else { return nil }
            guard location.hasPrefix("http://") || location.hasPrefix("https://") else {
                diagnostics.error(
                    "\(path).url.path '\(location)' must be an http:// or https:// URL", at: urlNode,
                    path: "\(path).url.path")
                return nil
            }
            return (.map([:]), .url(location, verifyCertificate: verify))
        }
        if let fileNode = fields.take("file"),
            var file = FieldReader(fileNode, path: "\(path).file", diagnostics: &diagnostics)
        {
            let location = file.string("path", required: true, diagnostics: &diagnostics)
            file.finish(diagnostics: &diagnostics)
            guard let location else { return nil }
            return (.map([:]), .file(location))
        }
        if let inline = fields.take("inline") {
            guard let text = inline.scalarText else {
                diagnostics.error("\(path).inline must be a string", at: inline, path: "\(path).inline")
                return nil
            }
            do {
                let documents = try YAMLTree.documents(of: text, file: inline.location.file)
                guard documents.count == 1, let document = documents.first, document.entries != nil else {
                    diagnostics.error(
                        "\(path).inline must hold one YAML or JSON object", at: inline, path: "\(path).inline")
                    return nil
                }
                return (document.eventValue, .inline)
            } catch {
                diagnostics.error("\(path).inline: \(error.message)", at: inline, path: "\(path).inline")
                return nil
            }
        }
        if !["configmap", "git", "s3"].contains(where: { node[$0] != nil }) {
            diagnostics.error("\(path) must set resource or inline", at: node, path: path)
        }
        return nil
    }

    private mutating func decodeSecureHeader(_ node: YAMLTree, path: String) -> SecureHeader? {
        guard var fields = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        defer { fields.finish(diagnostics: &diagnostics) }
        let name = fields.string("name", required: true, diagnostics: &diagnostics)
        guard let valueNode = fields.take("valueFrom") else {
            diagnostics.error("\(path).valueFrom is required", at: node, path: "\(path).valueFrom")
            return nil
        }
        guard var valueFrom = FieldReader(valueNode, path: "\(path).valueFrom", diagnostics: &diagnostics) else {
            return nil
        }
        defer {
            valueFrom.finish(
                diagnostics: &diagnostics,
                hints: ["configMapKeyRef": "ConfigMaps are not read; use file or env, or a mounted secretKeyRef"])
        }
        var source: SecureHeader.Source?
        if let secretNode = valueFrom.take("secretKeyRef"),
            var secret = FieldReader(secretNode, path: "\(path).valueFrom.secretKeyRef", diagnostics: &diagnostics)
        {
            let secretName = secret.string("name", required: true, diagnostics: &diagnostics)
            let key = secret.string("key", required: true, diagnostics: &diagnostics)
            secret.ignore("optional")
            secret.finish(diagnostics: &diagnostics)
            if let secretName, let key {
                if secretName.contains("/") || key.contains("/") || [secretName, key].contains("..") {
                    diagnostics.error(
                        "\(path).valueFrom.secretKeyRef name and key must not contain '/'", at: secretNode,
                        path: "\(path).valueFrom.secretKeyRef")
                } else {
                    source = .secretKey(name: secretName, key: key)
                }
            }
        } else if let file = valueFrom.string("file", required: false, diagnostics: &diagnostics) {
            source = .file(file)
        } else if let variable = valueFrom.string("env", required: false, diagnostics: &diagnostics) {
            source = .environment(variable)
        } else if valueNode["configMapKeyRef"] == nil {
            diagnostics.error(
                "\(path).valueFrom must set secretKeyRef, file or env", at: valueNode, path: "\(path).valueFrom")
        }
        guard let name, let source else { return nil }
        return SecureHeader(name: name, source: source)
    }

    private mutating func decodeKubeflowPipeline(
        _ fields: inout FieldReader, _ node: YAMLTree, path: String, context: SensorContext
    ) -> TriggerKind? {
        let pipelineID = fields.string("pipelineId", diagnostics: &diagnostics)
        let pipelineName = fields.string("pipelineName", diagnostics: &diagnostics)
        let versionID = fields.string("pipelineVersionId", diagnostics: &diagnostics)
        let versionName = fields.string("pipelineVersionName", diagnostics: &diagnostics)
        let experimentID = fields.string("experimentId", diagnostics: &diagnostics)
        let experimentName = fields.string("experimentName", diagnostics: &diagnostics)
        let namespace = fields.string("namespace", diagnostics: &diagnostics)
        let serviceAccount = fields.string("serviceAccount", diagnostics: &diagnostics)
        let pipelineRoot = fields.string("pipelineRoot", diagnostics: &diagnostics)
        let description = fields.string("description", diagnostics: &diagnostics)
        var runtimeParameters = EventMap()
        if let parametersNode = fields.take("runtimeParameters") {
            if case .map(let map) = parametersNode.eventValue {
                runtimeParameters = map
            } else {
                diagnostics.error(
                    "\(path).runtimeParameters must be a mapping", at: parametersNode, path: "\(path).runtimeParameters")
            }
        }
        let parameters = decodeParameters(&fields, "parameters", context: context, allowEmptyDestination: false)
        let writable = [
            "pipelineId", "pipelineName", "pipelineVersionId", "pipelineVersionName", "experimentId", "experimentName",
            "namespace", "runtimeParameters", "serviceAccount", "pipelineRoot", "description",
        ]
        for parameter in parameters {
            let first = (try? SetPath(parameter.destination))?.components.first
            if case .key(let name)? = first, writable.contains(name) { continue }
            diagnostics.error(
                "\(path).parameters: dest '\(parameter.destination)' is not a kubeflowPipeline field "
                    + "(\(writable.joined(separator: ", ")))",
                at: parameter.location, path: "\(path).parameters")
        }
        for (first, second, what) in [
            (pipelineID, pipelineName, "pipelineId and pipelineName"),
            (versionID, versionName, "pipelineVersionId and pipelineVersionName"),
            (experimentID, experimentName, "experimentId and experimentName"),
        ] where first != nil && second != nil {
            diagnostics.error("\(path) sets both \(what); set one", at: node, path: path)
        }
        let pipelineSet = [pipelineID, pipelineName].contains { !($0 ?? "").isEmpty }
        let parameterSetsPipeline = parameters.contains { ["pipelineId", "pipelineName"].contains($0.destination) }
        if !pipelineSet && !parameterSetsPipeline {
            diagnostics.error("\(path) needs pipelineId or pipelineName", at: node, path: "\(path).pipelineName")
            return nil
        }
        return .kubeflowPipeline(
            KubeflowPipelineTrigger(
                pipelineID: pipelineID, pipelineName: pipelineName, pipelineVersionID: versionID,
                pipelineVersionName: versionName, experimentID: experimentID, experimentName: experimentName,
                namespace: namespace, runtimeParameters: runtimeParameters, serviceAccount: serviceAccount,
                pipelineRoot: pipelineRoot, description: description, parameters: parameters))
    }

    private mutating func decodeParameters(
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
            if let sourceNode = entry.take("src"),
                var src = FieldReader(sourceNode, path: "\(path).src", diagnostics: &diagnostics)
            {
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
                if let dependencyName {
                    if let resolved = context.resolve(dependencyName) {
                        source = ParameterSource(
                            dependencyName: resolved, contextKey: contextKey, contextTemplate: contextTemplate,
                            dataKey: dataKey,
                            dataTemplate: dataTemplate, value: value, useRawData: useRawData)
                    } else {
                        diagnostics.error(
                            "\(path).src.dependencyName '\(dependencyName)' is not a dependency of this sensor",
                            at: sourceNode["dependencyName"] ?? sourceNode, path: "\(path).src.dependencyName")
                    }
                }
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

    private mutating func decodeRetry(_ node: YAMLTree, path: String) -> RetryStrategy? {
        guard var fields = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        var duration = 1.0
        if let durationNode = fields.take("duration") {
            if case .scalar(let text, let type) = durationNode.kind, type == .int, let nanoseconds = Double(text) {
                duration = nanoseconds / 1e9
            } else if let text = durationNode.scalarText, let parsed = GoDuration.parse(text) {
                duration = parsed.seconds
            } else {
                diagnostics.error(
                    "\(path).duration must be a duration such as 1s or 500ms", at: durationNode,
                    path: "\(path).duration")
            }
        }
        let factor = fields.number("factor", diagnostics: &diagnostics) ?? 1
        let jitter = fields.number("jitter", diagnostics: &diagnostics) ?? 1
        let steps = fields.number("steps", diagnostics: &diagnostics).flatMap { Int(truncating: min($0, 1e6)) } ?? 0
        fields.finish(diagnostics: &diagnostics)
        return RetryStrategy(durationSeconds: duration, factor: factor, jitter: jitter, steps: steps <= 0 ? 5 : steps)
    }

    private mutating func decodeRateLimit(_ node: YAMLTree, path: String) -> RateLimit? {
        guard var fields = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        let unitText = fields.string("unit", diagnostics: &diagnostics) ?? ""
        let requests = fields.number("requestsPerUnit", diagnostics: &diagnostics)
        fields.finish(diagnostics: &diagnostics)
        let unit = unitText.isEmpty ? RateLimit.Unit.second : RateLimit.Unit(rawValue: unitText)
        guard let unit else {
            diagnostics.error(
                "\(path).unit '\(unitText)' is not one of Second, Minute, Hour", at: node["unit"] ?? node,
                path: "\(path).unit")
            return nil
        }
        guard let requests, requests >= 1 else {
            diagnostics.error("\(path).requestsPerUnit must be at least 1", at: node, path: "\(path).requestsPerUnit")
            return nil
        }
        return RateLimit(unit: unit, requestsPerUnit: Int(truncating: min(requests, 1e9)) ?? 1)
    }
}

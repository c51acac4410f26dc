import ConfigReader
import EventModel
import SensorLanguage

extension SensorDecoder {
    /// Decodes one entry of `spec.triggers`: the trigger's own fields (parameters, policy, retries, rate limit,
    /// `dlqTrigger`), then its template (name, conditions, their resets and the one trigger kind).
    /// - Parameter allowsDLQTrigger: false for a `dlqTrigger` itself, which may not have one.
    mutating func decodeTrigger(
        _ node: YAMLTree, path: String, context: SensorContext, allowsDLQTrigger: Bool = true
    ) -> Trigger? {
        guard var fields = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        guard let templateNode = fields.take("template") else {
            diagnostics.error("\(path).template is required", at: node, path: "\(path).template")
            fields.finish(diagnostics: &diagnostics)
            return nil
        }
        let parameters = decodeParameters(&fields, "parameters", context: context, allowEmptyDestination: false)
        let policy = fields.take("policy").map { decodePolicy($0, path: "\(path).policy") }
        let retryStrategy = fields.take("retryStrategy").flatMap { decodeRetry($0, path: "\(path).retryStrategy") }
        let rateLimit = fields.take("rateLimit").flatMap { decodeRateLimit($0, path: "\(path).rateLimit") }
        let atLeastOnce = fields.bool("atLeastOnce", diagnostics: &diagnostics) ?? false
        var dlqTrigger: Trigger?
        if allowsDLQTrigger, let dlqNode = fields.take("dlqTrigger") {
            dlqTrigger = decodeTrigger(
                dlqNode, path: "\(path).dlqTrigger", context: context, allowsDLQTrigger: false)
        }
        fields.finish(diagnostics: &diagnostics, hints: ["dlqTrigger": "a dlqTrigger has no dlqTrigger of its own"])

        let templatePath = "\(path).template"
        guard var template = FieldReader(templateNode, path: templatePath, diagnostics: &diagnostics) else {
            return nil
        }
        let name = template.string("name", required: true, diagnostics: &diagnostics)
        let conditionsText = template.string("conditions", diagnostics: &diagnostics)
        let conditions = decodeConditions(conditionsText, in: templateNode, path: templatePath, context: context)
        let resets = decodeConditionsReset(&template)
        let kind = decodeTriggerKind(&template, templateNode, path: templatePath, context: context)
        // Two upstream examples write these inside the template, where Argo Events does not read them.
        for key in ["atLeastOnce", "policy"] {
            guard template.take(key) != nil else { continue }
            diagnostics.warning(
                "\(templatePath).\(key) is ignored: Argo Events ignores \(key) inside template; write it on the "
                    + "trigger, next to template",
                at: templateNode.entries?.first { $0.key == key }?.keyLocation ?? templateNode.location,
                path: "\(templatePath).\(key)")
        }
        template.finish(diagnostics: &diagnostics, known: Set(Self.supportedKinds))
        if policy?.resourceLabels != nil, let kind, !kind.acceptsResourceLabelPolicy {
            diagnostics.warning(
                "\(path).policy.k8s is ignored: it applies to k8s and argoWorkflow triggers, not \(kind.key)",
                at: node["policy"]?.location ?? node.location, path: "\(path).policy.k8s")
        }
        checkParameterSources(parameters, of: node, path: path, kind: kind, conditions: conditions, name: name)
        guard let name, let conditions, let kind else { return nil }
        return Trigger(
            name: name, conditions: conditions, conditionsSource: conditionsText, conditionsReset: resets, kind: kind,
            template: templateNode.eventValue, parameters: parameters, retryStrategy: retryStrategy,
            rateLimit: rateLimit,
            allowedStatuses: policy?.allowedStatuses,
            resourceLabelPolicy: kind.acceptsResourceLabelPolicy ? policy?.resourceLabels : nil,
            atLeastOnce: atLeastOnce, location: node.location,
            dlqTrigger: dlqTrigger)
    }

    /// `template.conditions`, its dependency names resolved; every dependency (`a && b && …`) when unset.
    mutating func decodeConditions(
        _ text: String?, in templateNode: YAMLTree, path templatePath: String, context: SensorContext
    ) -> ConditionExpression? {
        guard let text else { return ConditionExpression.all(context.dependencies.map(\.name)) }
        do {
            let parsed = try ConditionExpression.parse(text)
            var resolved = true
            for dependencyName in parsed.names where context.resolve(dependencyName) == nil {
                resolved = false
                diagnostics.error(
                    "\(templatePath).conditions names '\(dependencyName)', which is not a dependency of this sensor",
                    at: templateNode["conditions"] ?? templateNode, path: "\(templatePath).conditions")
            }
            return resolved ? parsed.renaming { context.resolve($0) ?? $0 } : nil
        } catch {
            diagnostics.error(
                "\(templatePath).conditions: \(error)", at: templateNode["conditions"] ?? templateNode,
                path: "\(templatePath).conditions")
            return nil
        }
    }

    /// `template.conditionsReset`: each entry's `byTime` cron, in its time zone.
    mutating func decodeConditionsReset(_ template: inout FieldReader) -> [CronSchedule] {
        var resets: [CronSchedule] = []
        for (resetNode, resetPath) in template.list("conditionsReset", diagnostics: &diagnostics) ?? [] {
            guard var reset = FieldReader(resetNode, path: resetPath, diagnostics: &diagnostics) else { continue }
            if let byTimeNode = reset.take("byTime") {
                if let schedule = decodeResetByTime(byTimeNode, path: "\(resetPath).byTime") { resets.append(schedule) }
            } else {
                diagnostics.error("\(resetPath).byTime is required", at: resetNode, path: "\(resetPath).byTime")
            }
            reset.finish(diagnostics: &diagnostics)
        }
        return resets
    }

    private mutating func decodeResetByTime(_ node: YAMLTree, path: String) -> CronSchedule? {
        guard var byTime = FieldReader(node, path: path, diagnostics: &diagnostics) else { return nil }
        let cron = byTime.string("cron", required: true, diagnostics: &diagnostics)
        let zoneText = byTime.string("timezone", diagnostics: &diagnostics)
        byTime.finish(diagnostics: &diagnostics)
        let zone = decodeZone(zoneText, node: node, path: path) ?? .utc
        guard let cron else { return nil }
        do { return try CronSchedule(cron, zone: zone) } catch {
            diagnostics.error("\(path).cron: \(error)", at: node["cron"] ?? node, path: "\(path).cron")
            return nil
        }
    }

    /// Warns about parameters that cannot apply: any on a route trigger, and those whose dependency is not in the
    /// conditions.
    private mutating func checkParameterSources(
        _ parameters: [TriggerParameter], of node: YAMLTree, path: String, kind: TriggerKind?,
        conditions: ConditionExpression?, name: String?
    ) {
        if case .route = kind, !parameters.isEmpty {
            diagnostics.warning(
                "\(path).parameters have no effect on a route trigger: route parameters come from the routing matrix",
                at: node["parameters"]?.location ?? node.location, path: "\(path).parameters")
        }
        guard let conditions, let name else { return }
        for parameter in parameters + (kind?.parameters ?? []) {
            let dependency = parameter.source.dependencyName
            if !conditions.names.contains(dependency) {
                diagnostics.warning(
                    "parameter source '\(dependency)' is not in the conditions of trigger '\(name)'; only its value default can apply",
                    at: parameter.location, path: path)
            }
        }
    }
}

"""Validates Argo documents against the upstream Argo JSON schema (api/jsonschema/schema.json).

Usage: argo_schema_check.py SCHEMA FILE...

Each document is checked against the definition of its own kind (clearer errors than the schema's top-level
oneOf), in strict mode: an object with declared properties accepts no others, so a misspelt field is an error
too. Prints one JSON object per document: {"file", "kind", "name", "errors": [...]}.
"""
import copy
import json
import sys

import jsonschema
import yaml

KINDS = ("Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow", "WorkflowEventBinding")


def strict(schema):
    schema = copy.deepcopy(schema)
    for definition in schema["definitions"].values():
        if definition.get("type") == "object" and "properties" in definition:
            definition.setdefault("additionalProperties", False)
    return schema


def main():
    with open(sys.argv[1]) as handle:
        schema = strict(json.load(handle))
    for path in sys.argv[2:]:
        with open(path) as handle:
            documents = [document for document in yaml.safe_load_all(handle) if document is not None]
        for document in documents:
            kind = document.get("kind") if isinstance(document, dict) else None
            name = (document.get("metadata") or {}).get("name") if isinstance(document, dict) else None
            if kind not in KINDS:
                errors = ["kind %r is not an Argo Workflows kind" % kind]
            else:
                target = {
                    "$schema": schema["$schema"],
                    "definitions": schema["definitions"],
                    "$ref": "#/definitions/io.argoproj.workflow.v1alpha1." + kind,
                }
                validator = jsonschema.Draft202012Validator(target)
                errors = [
                    "%s: %s" % ("/".join(str(part) for part in error.absolute_path) or "(root)", error.message)
                    for error in sorted(validator.iter_errors(document), key=lambda error: list(map(str, error.absolute_path)))
                ]
            print(json.dumps({"file": path, "kind": kind, "name": name, "errors": errors}))


main()

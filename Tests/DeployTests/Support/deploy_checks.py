#!/usr/bin/env python3
"""Checks of deploy/ that DeployTests runs: one subcommand per check.

Each prints one line per finding, `ok …` or `error: …`, and exits 1 if any line is an error (2 when a Python
package is missing, with the command that installs it). Rendered manifests are the output of `kubectl kustomize`.

  validate RENDERED...                  every manifest against Kubernetes' schemas (kubernetes-validate) or, for
                                        custom resources, the schemas in schemas/ (written from their CRDs)
  mounts RENDERED DOCKERFILE SECRETS    every path the in-cluster gateway.yaml names is mounted (or in the image)
  nack RENDERED SPECS_DIR               the NACK resources equal specs/jetstream field by field (and the template
                                        consumer spec has no NACK Consumer)
  dockerfile DOCKERFILE REPO RENDERED   base images, Debian packages, copied paths, user
  sync REPO                             deploy/base copies of config/ files are current
  kustomization FILE...                 only fields kubectl 1.20's kustomize (v2.0.3) knows
  argo ARGO_RENDERED GATEWAY_RENDERED   each route's template is rendered by deploy/argo in the route's namespace;
                                        templateRefs resolve
  rbac RBAC_RENDERED ARGO_RENDERED GATEWAY_RENDERED KUBEFLOW_EXAMPLE
                                        the Argo token may do what the gateway's requests need in every namespace it
                                        submits to (and no more); each template's account has the executor's minimum;
                                        the multi-user KFP example binds the accounts that call KFP
  summary RENDERED                      JSON: the resources, the Deployment's settings, the sensors' names
"""

import json
import os
import re
import shutil
import subprocess
import sys

try:
    import yaml
except ImportError:
    print("error: PyYAML is missing: python3 -m pip install PyYAML (or `make deps`)")
    sys.exit(2)

HERE = os.path.dirname(os.path.abspath(__file__))
KUBERNETES_VALIDATE = "kubernetes-validate==1.37.0"
# The oldest Kubernetes schema kubernetes-validate ships, and its newest.
KUBERNETES_VERSIONS = ("1.25.0", "1.37.0")


class Report:
    def __init__(self):
        self.errors = 0

    def ok(self, text):
        print(f"ok {text}")

    def error(self, text):
        self.errors += 1
        print(f"error: {text}")

    def finish(self):
        sys.exit(1 if self.errors else 0)


def load_documents(paths):
    documents = []
    for path in paths:
        with open(path, encoding="utf-8") as file:
            documents += [document for document in yaml.safe_load_all(file) if document]
    return documents


def name_of(document):
    return f"{document.get('kind')}/{document.get('metadata', {}).get('name')}"


# ---------------------------------------------------------------------------------------------------- validate


def validate(paths):
    try:
        import jsonschema
        import kubernetes_validate
    except ImportError:
        print(f"error: kubernetes-validate is missing: python3 -m pip install {KUBERNETES_VALIDATE} (or `make deps`)")
        sys.exit(2)
    report = Report()
    for document in load_documents(paths):
        api_version, kind = document.get("apiVersion", ""), document.get("kind", "")
        problems = []
        found = True
        for version in KUBERNETES_VERSIONS:
            try:
                kubernetes_validate.validate(document, version, strict=True)
            except kubernetes_validate.SchemaNotFoundError:
                found = False
                break
            except kubernetes_validate.ValidationError as error:
                location = ".".join(str(part) for part in error.path)
                problems.append(f"Kubernetes {version}: {location}: {error.message}")
        if found:
            if problems:
                for problem in problems:
                    report.error(f"{name_of(document)}: {problem}")
            else:
                report.ok(f"{name_of(document)}: Kubernetes {' and '.join(KUBERNETES_VERSIONS)} schemas (strict)")
            continue
        group_version = api_version.replace("/", "-")
        schema_file = os.path.join(HERE, "schemas", f"{group_version}-{kind}.yaml")
        if not os.path.exists(schema_file):
            report.error(
                f"{name_of(document)} ({api_version}): kubernetes-validate has no schema for it and "
                f"{os.path.relpath(schema_file, HERE)} does not exist: write one from the CRD"
            )
            continue
        with open(schema_file, encoding="utf-8") as file:
            schema = yaml.safe_load(file)
        validator = jsonschema.Draft202012Validator(schema)
        errors = sorted(validator.iter_errors(document), key=lambda error: list(error.path))
        if errors:
            for error in errors:
                location = ".".join(str(part) for part in error.path)
                report.error(f"{name_of(document)}: {location}: {error.message}")
        else:
            report.ok(f"{name_of(document)}: custom resource, schemas/{os.path.basename(schema_file)} (from its CRD)")
    report.finish()


# ---------------------------------------------------------------------------------------------------- mounts

# The keys of gateway.yaml that name files or directories, and what each must be.
PATH_KEYS = {
    "nats.credentialsFile": "file",
    "nats.tls.ca": "file",
    "nats.tls.cert": "file",
    "nats.tls.key": "file",
    "sensors": "file or directory",
    "routing": "file",
    "argo.tokenFile": "file",
    "sources.http.tokenFile": "file",
    "kubeflow.tokenFile": "file",
    "outbox": "writable directory",
    "jetstream.specs": "directory",
}


def lookup(tree, dotted):
    node = tree
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def dockerfile_copies(dockerfile):
    """(source, destination) of each COPY from the build context (not --from)."""
    copies = []
    for instruction in dockerfile_instructions(dockerfile):
        words = instruction.split()
        if words[0].upper() != "COPY" or any(word.startswith("--from") for word in words):
            continue
        arguments = [word for word in words[1:] if not word.startswith("--")]
        for source in arguments[:-1]:
            copies.append((source, arguments[-1]))
    return copies


def dockerfile_instructions(path):
    with open(path, encoding="utf-8") as file:
        text = file.read()
    text = re.sub(r"\\\n", " ", text)
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


def mounts(rendered, dockerfile, secret_example):
    report = Report()
    documents = load_documents([rendered])
    deployments = [document for document in documents if document.get("kind") == "Deployment"]
    if len(deployments) != 1:
        report.error(f"expected one Deployment, found {len(deployments)}")
        report.finish()
    deployment = deployments[0]
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    volumes = {volume["name"]: volume for volume in pod.get("volumes", [])}
    config_maps = {d["metadata"]["name"]: d for d in documents if d.get("kind") == "ConfigMap"}
    example_secrets = {d["metadata"]["name"]: d for d in load_documents([secret_example]) if d.get("kind") == "Secret"}
    image_paths = [(destination.rstrip("/"), source) for source, destination in dockerfile_copies(dockerfile)]

    def source_of(path):
        """What provides `path` in the container: (description, volume, key, mount) or None."""
        best = None
        for mount in container.get("volumeMounts", []):
            mount_path = mount["mountPath"].rstrip("/")
            if path == mount_path or path.startswith(mount_path + "/"):
                if best is None or len(mount_path) > len(best["mountPath"].rstrip("/")):
                    best = mount
        if best is None:
            return None
        relative = path[len(best["mountPath"].rstrip("/")) :].lstrip("/")
        return best, volumes.get(best["name"]), relative

    def key_in_items(items, relative):
        if items is None:
            return relative if "/" not in relative else None
        for item in items:
            if item["path"] == relative:
                return item["key"]
        return None

    def check_file(key, path, kind):
        if not isinstance(path, str) or not path.startswith("/"):
            report.error(f"gateway.yaml {key}: {path!r} is not an absolute path (a relative one depends on the working directory)")
            return
        for destination, source in image_paths:
            if path == destination or path.startswith(destination + "/"):
                report.ok(f"gateway.yaml {key} = {path}: in the image (deploy/Dockerfile COPY {source} {destination})")
                return
        found = source_of(path)
        if found is None:
            report.error(f"gateway.yaml {key} = {path}: no volume is mounted there and the image does not provide it")
            return
        mount, volume, relative = found
        if volume is None:
            report.error(f"gateway.yaml {key} = {path}: volumeMount {mount['name']} names no volume")
            return
        where = f"volume {volume['name']} at {mount['mountPath']}"
        if kind == "writable directory":
            if "emptyDir" in volume and not mount.get("readOnly", False):
                report.ok(f"gateway.yaml {key} = {path}: writable emptyDir {where}")
            else:
                report.error(f"gateway.yaml {key} = {path}: {where} is not a writable emptyDir (the root filesystem is read-only)")
            return
        if "configMap" in volume:
            name = volume["configMap"]["name"]
            data_key = key_in_items(volume["configMap"].get("items"), relative)
            data = config_maps.get(name, {}).get("data", {})
            if name not in config_maps:
                report.error(f"gateway.yaml {key} = {path}: {where} uses ConfigMap {name}, which the build does not contain")
            elif data_key is None or data_key not in data:
                report.error(f"gateway.yaml {key} = {path}: ConfigMap {name} has no key for {relative!r} (keys: {', '.join(sorted(data))})")
            else:
                report.ok(f"gateway.yaml {key} = {path}: ConfigMap {name} key {data_key}, {where}")
            return
        if "secret" in volume:
            name = volume["secret"]["secretName"]
            data_key = key_in_items(volume["secret"].get("items"), relative)
            example = example_secrets.get(name)
            if example is None:
                report.error(f"gateway.yaml {key} = {path}: Secret {name} ({where}) is not described in secret.example.yaml")
            elif data_key is None or data_key not in example.get("stringData", {}) and data_key not in example.get("data", {}):
                report.error(f"gateway.yaml {key} = {path}: secret.example.yaml's Secret {name} has no key {relative!r}")
            elif volume["secret"].get("optional", False):
                report.error(f"gateway.yaml {key} = {path}: Secret {name} is optional, so the file may be missing")
            else:
                report.ok(f"gateway.yaml {key} = {path}: Secret {name} key {data_key}, {where}")
            return
        if "projected" in volume:
            for source in volume["projected"].get("sources", []):
                token = source.get("serviceAccountToken")
                if token and token.get("path") == relative:
                    audience = token.get("audience")
                    if key == "kubeflow.tokenFile" and audience != "pipelines.kubeflow.org":
                        report.error(f"gateway.yaml {key} = {path}: projected token audience is {audience!r}, KFP expects pipelines.kubeflow.org")
                    elif key == "argo.tokenFile" and audience is not None:
                        report.error(f"gateway.yaml {key} = {path}: projected token audience is {audience!r}: Argo Server passes the token to the Kubernetes API, which accepts its own audience (leave it out)")
                    else:
                        shown = audience or "of the API server"
                        report.ok(f"gateway.yaml {key} = {path}: projected service-account token (audience {shown}), {where}")
                    return
            report.error(f"gateway.yaml {key} = {path}: projected {where} has no source for {relative!r}")
            return
        report.error(f"gateway.yaml {key} = {path}: {where} is neither a ConfigMap, a Secret nor a projected token")

    # The --config argument: a gateway.yaml in a mounted ConfigMap.
    arguments = container.get("args", [])
    if "--config" not in arguments or arguments.index("--config") + 1 >= len(arguments):
        report.error(f"container args {arguments} have no --config FILE")
        report.finish()
    config_path = arguments[arguments.index("--config") + 1]
    found = source_of(config_path)
    config = None
    if found and found[1] and "configMap" in found[1]:
        name = found[1]["configMap"]["name"]
        data_key = key_in_items(found[1]["configMap"].get("items"), found[2])
        text = config_maps.get(name, {}).get("data", {}).get(data_key or "")
        if text is not None:
            config = yaml.safe_load(text)
            report.ok(f"--config {config_path}: ConfigMap {name} key {data_key}")
    if config is None:
        report.error(f"--config {config_path}: not a key of a ConfigMap mounted there")
        report.finish()

    for key, kind in PATH_KEYS.items():
        value = lookup(config, key)
        if value is not None:
            check_file(key, value, kind)

    # The admin server: listening on every interface, on the port the probes and the Service use.
    listen = lookup(config, "admin.listen") or "127.0.0.1:9090"
    host, _, port = listen.rpartition(":")
    ports = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}
    if host not in ("0.0.0.0", "", "[::]"):
        report.error(f"gateway.yaml admin.listen = {listen}: the kubelet's probes cannot reach {host}")
    elif str(ports.get("admin")) != port:
        report.error(f"gateway.yaml admin.listen = {listen}, but the container port named admin is {ports.get('admin')}")
    else:
        report.ok(f"gateway.yaml admin.listen = {listen}: container port admin")
    # The HTTP event endpoint: on every interface, on the container port named events, behind a Service.
    events_listen = lookup(config, "sources.http.listen")
    if events_listen is not None:
        events_host, _, events_port = events_listen.rpartition(":")
        services = [d for d in documents if d.get("kind") == "Service"
                    and any(p.get("targetPort") in ("events", int(events_port)) for p in d["spec"].get("ports", []))]
        if events_host not in ("0.0.0.0", "", "[::]"):
            report.error(f"gateway.yaml sources.http.listen = {events_listen}: other pods cannot reach {events_host}")
        elif str(ports.get("events")) != events_port:
            report.error(f"gateway.yaml sources.http.listen = {events_listen}, but the container port named events is {ports.get('events')}")
        elif not services:
            report.error(f"gateway.yaml sources.http.listen = {events_listen}: no Service targets the container port events")
        else:
            report.ok(f"gateway.yaml sources.http.listen = {events_listen}: container port events, Service {services[0]['metadata']['name']}")
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        get = container.get(probe, {}).get("httpGet", {})
        if get.get("path") == path and get.get("port") in ("admin", int(port)):
            report.ok(f"{probe}: GET {path} on the admin port")
        else:
            report.error(f"{probe}: expected GET {path} on the admin port, found {get}")
    report.finish()


# ---------------------------------------------------------------------------------------------------- nack

DURATION_UNITS = {"ns": 1, "us": 1_000, "µs": 1_000, "ms": 1_000_000, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}


def nanoseconds(value):
    """A duration as nanoseconds: an integer (the server's JSON) or a Go duration string."""
    if isinstance(value, int):
        return value
    parts = re.findall(r"([0-9.]+)(ns|us|µs|ms|s|m|h)", value)
    if not parts or "".join(number + unit for number, unit in parts) != value:
        raise ValueError(f"not a duration: {value!r}")
    return int(sum(float(number) * DURATION_UNITS[unit] for number, unit in parts))


# specs/jetstream field → NACK field, and whether it is a duration.
STREAM_FIELDS = {
    "name": ("name", False), "description": ("description", False), "subjects": ("subjects", False),
    "retention": ("retention", False), "storage": ("storage", False), "discard": ("discard", False),
    "max_consumers": ("maxConsumers", False), "max_msgs": ("maxMsgs", False), "max_bytes": ("maxBytes", False),
    "max_msgs_per_subject": ("maxMsgsPerSubject", False), "max_msg_size": ("maxMsgSize", False),
    "max_age": ("maxAge", True), "duplicate_window": ("duplicateWindow", True), "num_replicas": ("replicas", False),
    "no_ack": ("noAck", False), "deny_delete": ("denyDelete", False), "deny_purge": ("denyPurge", False),
    "allow_rollup_hdrs": ("allowRollup", False), "allow_direct": ("allowDirect", False),
}
CONSUMER_FIELDS = {
    "durable_name": ("durableName", False), "description": ("description", False),
    "filter_subject": ("filterSubject", False), "deliver_policy": ("deliverPolicy", False),
    "opt_start_seq": ("optStartSeq", False), "ack_policy": ("ackPolicy", False), "ack_wait": ("ackWait", True),
    "max_deliver": ("maxDeliver", False), "backoff": ("backoff", True), "max_ack_pending": ("maxAckPending", False),
    "max_waiting": ("maxWaiting", False), "max_batch": ("maxRequestBatch", False),
    "max_expires": ("maxRequestExpires", True), "replay_policy": ("replayPolicy", False),
    "num_replicas": ("replicas", False), "mem_storage": ("memStorage", False), "headers_only": ("headersOnly", False),
}
KV_FIELDS = {
    "bucket": ("bucket", False), "description": ("description", False), "history": ("history", False),
    "ttl": ("ttl", True), "max_bytes": ("maxBytes", False), "max_value_size": ("maxValueSize", False),
    "storage": ("storage", False), "num_replicas": ("replicas", False),
}
# The durable name of the consumer spec that is a template, not a consumer (Sources/Gateway/GatewayProvisioning.swift,
# templateDurableName): the gateway creates `sg-<subject>-<hash>` consumers from it and never binds it.
TEMPLATE_CONSUMER = "sensor-gateway"
# A stream or bucket spec without num_replicas gets min(3, cluster size) replicas from the gateway's provisioning
# (Sources/JetStream/ReplicaPlacement.swift). NACK has no such rule, so the manifests, written for a NATS cluster of
# three, state what the gateway gives on one: 3.
AUTOMATIC_REPLICAS = 3
# Values NACK and the server spell differently.
DELIVER_POLICIES = {"by_start_sequence": "byStartSequence", "by_start_time": "byStartTime", "last_per_subject": "lastPerSubject"}


def same(spec_value, nack_value, is_duration):
    if is_duration:
        if isinstance(spec_value, list):
            return isinstance(nack_value, list) and [nanoseconds(v) for v in spec_value] == [nanoseconds(v) for v in nack_value]
        return nanoseconds(spec_value) == nanoseconds(nack_value)
    return spec_value == nack_value or DELIVER_POLICIES.get(spec_value) == nack_value


def compare(report, label, spec, nack_spec, fields, extra_nack, automatic_replicas=False):
    """Every field of `spec` has its equal in `nack_spec`, and `nack_spec` has nothing else; with
    `automatic_replicas`, a spec without num_replicas stands for AUTOMATIC_REPLICAS."""
    expected = set(extra_nack)
    if automatic_replicas and "num_replicas" not in spec:
        expected.add("replicas")
        if nack_spec.get("replicas") == AUTOMATIC_REPLICAS:
            report.ok(f"{label}: num_replicas automatic (min(3, cluster size)) = spec.replicas = {AUTOMATIC_REPLICAS}, a cluster of three")
        else:
            report.error(
                f"{label}: num_replicas automatic (min(3, cluster size)) in specs/jetstream, "
                f"spec.replicas = {json.dumps(nack_spec.get('replicas'))}, expected {AUTOMATIC_REPLICAS} (a cluster of three)")
    for field, value in spec.items():
        if field not in fields:
            report.error(f"{label}: specs field {field} has no NACK counterpart in this check: add it to the table")
            continue
        nack_field, is_duration = fields[field]
        expected.add(nack_field)
        if nack_field not in nack_spec:
            report.error(f"{label}: {field} = {json.dumps(value)} in specs/jetstream, but spec.{nack_field} is missing")
            continue
        try:
            equal = same(value, nack_spec[nack_field], is_duration)
        except ValueError as error:
            report.error(f"{label}: {field}: {error}")
            continue
        if equal:
            report.ok(f"{label}: {field} = spec.{nack_field} = {json.dumps(nack_spec[nack_field])}")
        else:
            report.error(f"{label}: {field} = {json.dumps(value)} in specs/jetstream, spec.{nack_field} = {json.dumps(nack_spec[nack_field])}")
    for field in sorted(set(nack_spec) - expected):
        report.error(f"{label}: spec.{field} = {json.dumps(nack_spec[field])} is not in specs/jetstream")


def nack(rendered, specs_dir):
    report = Report()
    documents = [d for d in load_documents([rendered]) if d.get("apiVersion", "").startswith("jetstream.nats.io/")]
    for document in documents:
        if document["apiVersion"] != "jetstream.nats.io/v1beta2":
            report.error(f"{name_of(document)}: apiVersion {document['apiVersion']}, expected jetstream.nats.io/v1beta2")
    by_kind = {}
    for document in documents:
        by_kind.setdefault(document["kind"], []).append(document)
    used = set()

    def find(kind, field, value):
        matches = [d for d in by_kind.get(kind, []) if d.get("spec", {}).get(field) == value]
        for match in matches:
            used.add(id(match))
        return matches

    def spec_files(folder):
        path = os.path.join(specs_dir, folder)
        if not os.path.isdir(path):
            return []
        return sorted(os.path.join(path, name) for name in os.listdir(path) if name.endswith(".json"))

    files = 0
    # Streams and buckets: one NACK resource whose spec names it, compared field by field.
    for folder, kind, key, nack_key, fields in (
        ("streams", "Stream", "name", "name", STREAM_FIELDS),
        ("kv", "KeyValue", "bucket", "bucket", KV_FIELDS),
    ):
        for path in spec_files(folder):
            files += 1
            with open(path, encoding="utf-8") as file:
                spec = json.load(file)
            label = f"{os.path.relpath(path, specs_dir)} ({kind} {spec[key]})"
            matches = find(kind, nack_key, spec[key])
            if len(matches) != 1:
                report.error(f"{label}: {len(matches)} NACK {kind} resources with spec.{nack_key} {spec[key]}, expected 1")
                continue
            compare(report, label, spec, matches[0]["spec"], fields, [], automatic_replicas=True)
    for path in spec_files("consumers"):
        files += 1
        with open(path, encoding="utf-8") as file:
            wrapper = json.load(file)
        config = wrapper["config"]
        label = f"{os.path.relpath(path, specs_dir)} (Consumer {wrapper['stream_name']}/{config.get('durable_name')})"
        matches = [m for m in find("Consumer", "durableName", config.get("durable_name"))
                   if m["spec"].get("streamName") == wrapper["stream_name"]]
        if config.get("durable_name") == TEMPLATE_CONSUMER:
            # The gateway creates one consumer per dependency subject from this spec and never binds the spec's own
            # durable, so a NACK Consumer for it would be an orphan.
            if matches:
                report.error(
                    f"{label}: a NACK Consumer declares it, but it is the template of the gateway's per-subject "
                    f"consumers (GatewayProvisioning.templateDurableName): no gateway binds a durable "
                    f"{config.get('durable_name')!r}, so it would be an orphan whose pending count grows with every event"
                )
            else:
                report.ok(f"{label}: template of the per-subject consumers the gateway creates; no NACK Consumer, as intended")
            continue
        if len(matches) != 1:
            report.error(f"{label}: {len(matches)} NACK Consumer resources for it, expected 1")
            continue
        nack_spec = dict(matches[0]["spec"])
        nack_spec.pop("streamName")
        compare(report, label, config, nack_spec, CONSUMER_FIELDS, [])
    if files == 0:
        report.error(f"no spec files under {specs_dir}")
    for document in documents:
        if id(document) not in used:
            report.error(f"{name_of(document)}: no file in specs/jetstream describes it")
    report.finish()


# ---------------------------------------------------------------------------------------------------- dockerfile


def apt_install_packages(instruction):
    """The package names of `apt-get install` in one RUN instruction."""
    packages = []
    for command in re.split(r"&&|;", instruction):
        words = command.split()
        if "apt-get" in words and "install" in words:
            for word in words[words.index("install") + 1 :]:
                if not word.startswith("-"):
                    packages.append(word)
    return packages


def dockerfile(path, repo, rendered):
    report = Report()
    instructions = dockerfile_instructions(path)
    arguments = {}
    stages = []
    for instruction in instructions:
        keyword, _, rest = instruction.partition(" ")
        keyword = keyword.upper()
        if keyword == "ARG" and "=" in rest and not stages:
            name, _, value = rest.partition("=")
            arguments[name.strip()] = value.strip()
        elif keyword == "FROM":
            image = re.sub(r"\$\{?(\w+)\}?", lambda m: arguments.get(m.group(1), m.group(0)), rest.split()[0])
            stages.append({"image": image, "instructions": []})
        elif stages:
            stages[-1]["instructions"].append(instruction)
    if len(stages) < 2:
        report.error(f"expected a multi-stage build, found {len(stages)} stage(s)")
        report.finish()
    build, runtime = stages[0], stages[-1]

    # Each base image pinned by digest: a build argument (no default: a build must name it) or a literal digest.
    for stage, label in ((build, "build"), (runtime, "runtime")):
        image, at, digest = stage["image"].partition("@")
        if re.fullmatch(r"sha256:[0-9a-f]{64}|\$\{\w+_DIGEST\}", digest):
            report.ok(f"{label} stage image {image} pinned by digest {digest}")
        else:
            report.error(f"{label} stage image {stage['image']}: not pinned by digest (image@sha256:… or @${{…_DIGEST}})")
        stage["image"] = image

    # The shipped binary is stripped, its debug information kept beside it.
    build_commands = " ".join(build["instructions"])
    if "--only-keep-debug" in build_commands and "--strip-debug" in build_commands and "--add-gnu-debuglink" in build_commands:
        report.ok("build stage strips the binary and keeps its debug information (objcopy --only-keep-debug, --add-gnu-debuglink)")
    else:
        report.error("build stage does not strip the binary with its debug information kept separately (objcopy)")

    match = re.fullmatch(r"swift:(\d+)\.(\d+)(?:\.\d+)?-bookworm", build["image"])
    with open(os.path.join(repo, "Package.swift"), encoding="utf-8") as file:
        tools = re.search(r"swift-tools-version:\s*(\d+)\.(\d+)", file.read())
    if not match:
        report.error(f"build stage image {build['image']}: expected swift:6.x-bookworm (the runtime's Debian release)")
    elif (int(match.group(1)), int(match.group(2))) < (int(tools.group(1)), int(tools.group(2))):
        report.error(f"build stage image {build['image']} is older than Package.swift's swift-tools-version {tools.group(1)}.{tools.group(2)}")
    else:
        report.ok(f"build stage: {build['image']} (Package.swift needs tools {tools.group(1)}.{tools.group(2)})")
    if runtime["image"] != "debian:bookworm-slim":
        report.error(f"runtime image {runtime['image']}: expected debian:bookworm-slim")
    else:
        report.ok(f"runtime stage: {runtime['image']}")
    build_text = " ".join(build["instructions"])
    if "swift build -c release --product sensor-gateway" in build_text:
        report.ok("build stage runs swift build -c release --product sensor-gateway")
    else:
        report.error("build stage does not run `swift build -c release --product sensor-gateway`")

    # Every Debian package named exists in bookworm.
    apt_cache = shutil.which("apt-cache")
    if apt_cache is None:
        report.error("apt-cache is missing: the Debian package check needs a Debian machine with apt (apt-get install apt)")
    else:
        with open("/etc/os-release", encoding="utf-8") as file:
            codename = re.search(r"VERSION_CODENAME=(\w+)", file.read())
        if not codename or codename.group(1) != "bookworm":
            report.error(f"this machine is not Debian bookworm ({codename.group(1) if codename else 'unknown'}): apt-cache cannot answer for bookworm")
        else:
            stage_packages = {}
            for stage, label in ((build, "build"), (runtime, "runtime")):
                stage_packages[label] = [
                    p for i in stage["instructions"] if i.upper().startswith("RUN") for p in apt_install_packages(i)
                ]
            # One apt-cache call: its answer has a "name:" paragraph per package it knows.
            names = [p for packages in stage_packages.values() for p in packages]
            result = subprocess.run([apt_cache, "policy"] + names, capture_output=True, text=True)
            candidates = dict(re.findall(r"^(\S+):\n\s+Installed:.*\n\s+Candidate:\s*(\S+)", result.stdout, re.MULTILINE))
            for label, packages in stage_packages.items():
                if not packages:
                    report.error(f"{label} stage installs no Debian package")
                for package in packages:
                    candidate = candidates.get(package)
                    if candidate and candidate != "(none)":
                        report.ok(f"{label} stage package {package}: bookworm has {candidate}")
                    else:
                        report.error(f"{label} stage package {package}: apt-cache policy finds no candidate (after `apt-get update`?)")
    runtime_packages = [p for i in runtime["instructions"] if i.upper().startswith("RUN") for p in apt_install_packages(i)]
    for needed in ("libnats3.", "libmsgpackc2", "libcurl4", "tzdata", "ca-certificates"):
        if not any(package.startswith(needed) for package in runtime_packages):
            report.error(f"runtime stage does not install {needed}*")

    # Paths copied from the build context exist in the repository.
    for source, destination in dockerfile_copies(path):
        if os.path.exists(os.path.join(repo, source)):
            report.ok(f"COPY {source} {destination}: {source} exists")
        else:
            report.error(f"COPY {source} {destination}: {source} does not exist in the repository")

    # A numeric non-root user, the same the Deployment runs as.
    users = [i.split()[1] for i in runtime["instructions"] if i.upper().startswith("USER ")]
    deployment = next(d for d in load_documents([rendered]) if d.get("kind") == "Deployment")
    run_as = deployment["spec"]["template"]["spec"].get("securityContext", {}).get("runAsUser")
    if not users or not users[-1].split(":")[0].isdigit() or users[-1].split(":")[0] == "0":
        report.error(f"runtime stage USER {users[-1] if users else '(none)'}: expected a numeric non-root user (runAsNonRoot needs a number)")
    elif int(users[-1].split(":")[0]) != run_as:
        report.error(f"runtime stage USER {users[-1]}, but the Deployment's runAsUser is {run_as}")
    else:
        report.ok(f"runtime stage USER {users[-1]} = the Deployment's runAsUser")
    report.finish()


# ---------------------------------------------------------------------------------------------------- sync

SENSORS_HEADER = (
    "# The example sensors of config/sensors/*.yaml as one multi-document file, in file-name order (Tests/DeployTests\n"
    "# checks that they match). Replace it with your own sensors in an overlay (see deploy/overlays/example).\n"
)


def sync(repo):
    report = Report()
    sensors_dir = os.path.join(repo, "config", "sensors")
    expected = SENSORS_HEADER
    names = sorted(name for name in os.listdir(sensors_dir) if name.endswith((".yaml", ".yml")))
    for name in names:
        with open(os.path.join(sensors_dir, name), encoding="utf-8") as file:
            text = file.read()
        expected += "---\n" + text + ("" if text.endswith("\n") else "\n")
    copy = os.path.join(repo, "deploy", "base", "sensors.yaml")
    actual = open(copy, encoding="utf-8").read() if os.path.exists(copy) else None
    regenerate = (
        "regenerate it: { sed -n 1,2p deploy/base/sensors.yaml; for f in config/sensors/*.yaml; do echo ---; cat \"$f\"; done; }"
        " > /tmp/sensors.yaml && mv /tmp/sensors.yaml deploy/base/sensors.yaml"
    )
    if actual == expected:
        report.ok(f"deploy/base/sensors.yaml = config/sensors/{{{','.join(names)}}}")
    else:
        report.error(f"deploy/base/sensors.yaml differs from config/sensors/*.yaml: {regenerate}")
    routing = os.path.join(repo, "config", "routing.yaml")
    if os.path.exists(routing):
        copy = os.path.join(repo, "deploy", "base", "routing.yaml")
        if not os.path.exists(copy):
            report.error(
                "config/routing.yaml exists but deploy/base/routing.yaml does not: copy it, add it to the "
                "configMapGenerator of deploy/base/kustomization.yaml and set routing: /etc/sensor-gateway/routing.yaml "
                "in deploy/base/gateway.yaml"
            )
        elif open(copy, encoding="utf-8").read() != open(routing, encoding="utf-8").read():
            report.error("deploy/base/routing.yaml differs from config/routing.yaml: cp config/routing.yaml deploy/base/routing.yaml")
        else:
            report.ok("deploy/base/routing.yaml = config/routing.yaml")
    report.finish()


# ---------------------------------------------------------------------------------------------------- kustomization

# The fields of a Kustomization that kubectl 1.20's kustomize (v2.0.3, Debian bookworm's kubernetes-client) reads.
KUSTOMIZE_V2_0_3_FIELDS = {
    "apiVersion", "kind", "resources", "bases", "namespace", "namePrefix", "nameSuffix", "commonLabels",
    "commonAnnotations", "configMapGenerator", "secretGenerator", "generatorOptions", "images",
    "patchesStrategicMerge", "patchesJson6902", "vars", "crds", "configurations",
}


def kustomization(paths):
    report = Report()
    for path in paths:
        with open(path, encoding="utf-8") as file:
            document = yaml.safe_load(file) or {}
        unknown = sorted(set(document) - KUSTOMIZE_V2_0_3_FIELDS)
        if unknown:
            report.error(f"{path}: {', '.join(unknown)}: not known to kubectl 1.20's kustomize v2.0.3 (Debian's kubectl)")
        else:
            report.ok(f"{path}: fields {', '.join(sorted(document))} are all known to kustomize v2.0.3")
        for resource in document.get("resources", []):
            if os.path.isdir(os.path.join(os.path.dirname(path), resource)):
                report.error(f"{path}: resources entry {resource} is a directory: kustomize v2.0.3 needs it under bases:")
    report.finish()


# ---------------------------------------------------------------------------------------------------- argo, rbac


def gateway_files(rendered):
    """gateway.yaml, the routing matrix and the sensors of a rendered gateway build (its ConfigMap), and the
    Deployment: (config, routing, sensors, deployment)."""
    documents = load_documents([rendered])
    data = {}
    for document in documents:
        if document.get("kind") == "ConfigMap":
            data.update(document.get("data", {}))
    config = yaml.safe_load(data.get("gateway.yaml", "")) or {}
    routing = yaml.safe_load(data.get("routing.yaml", "")) or {}
    sensors = [d for d in yaml.safe_load_all(data.get("sensors.yaml", "")) if d and d.get("kind") == "Sensor"]
    deployment = next((d for d in documents if d.get("kind") == "Deployment"), None)
    return config, routing, sensors, deployment


def argo_targets(config, routing, sensors):
    """Where the gateway submits: [(namespace, kind, template name or None, why)]. A route's namespace is its own,
    else argo.namespace; a sensor's argoWorkflow or k8s trigger submits to its resource's metadata.namespace, else
    the sensor's, else argo.namespace (docs/triggers.md)."""
    default = (config.get("argo") or {}).get("namespace") or "argo"
    targets = [(default, None, None, "argo.namespace")]
    spec = routing.get("spec") or {}
    routes = list(spec.get("routes") or []) + ([spec["default"]] if spec.get("default") else [])
    for route in routes:
        engine = route.get("engine")
        if engine not in ("argo", "hybrid"):
            continue
        section = route.get(engine) or {}
        if section.get("clusterWorkflowTemplate"):
            kind, name = "ClusterWorkflowTemplate", section["clusterWorkflowTemplate"]
        else:
            kind, name = "WorkflowTemplate", section.get("workflowTemplate")
        targets.append((section.get("namespace") or default, kind, name, f"route {route.get('name')}"))
    for sensor in sensors:
        sensor_namespace = (sensor.get("metadata") or {}).get("namespace")
        for trigger in (sensor.get("spec") or {}).get("triggers") or []:
            template = trigger.get("template") or {}
            for key in ("argoWorkflow", "k8s"):
                if key not in template:
                    continue
                resource = ((template[key] or {}).get("source") or {}).get("resource") or {}
                namespace = (resource.get("metadata") or {}).get("namespace") or sensor_namespace or default
                why = f"sensor {(sensor.get('metadata') or {}).get('name')} trigger {template.get('name')}"
                targets.append((namespace, None, None, why))
    return targets


def references(node):
    """Every templateRef ({name, template, clusterScope}) under `node`."""
    if isinstance(node, dict):
        if isinstance(node.get("templateRef"), dict):
            yield node["templateRef"]
        for value in node.values():
            yield from references(value)
    elif isinstance(node, list):
        for value in node:
            yield from references(value)


def argo(argo_rendered, gateway_rendered):
    """Every template a route submits is in deploy/argo, in the route's namespace; templateRefs stay in theirs."""
    report = Report()
    config, routing, sensors, _ = gateway_files(gateway_rendered)
    templates = [d for d in load_documents([argo_rendered]) if d.get("kind") in ("WorkflowTemplate", "ClusterWorkflowTemplate")]
    index = {(d["kind"], (d["metadata"].get("namespace") if d["kind"] == "WorkflowTemplate" else None), d["metadata"]["name"]): d
             for d in templates}
    for document in templates:
        if document["kind"] == "WorkflowTemplate" and not document["metadata"].get("namespace"):
            report.error(f"WorkflowTemplate {document['metadata']['name']}: no metadata.namespace, so `kubectl apply -k` "
                         "puts it in kubectl's current namespace instead of its route's")
    for namespace, kind, name, why in argo_targets(config, routing, sensors):
        if kind is None or not why.startswith("route "):
            continue
        key = (kind, namespace if kind == "WorkflowTemplate" else None, name)
        if key in index:
            where = f"namespace {namespace}" if kind == "WorkflowTemplate" else "cluster scope"
            report.ok(f"{why}: {kind} {name} is in deploy/argo, {where}")
        else:
            elsewhere = sorted(f"{k[1] or 'cluster scope'}" for k in index if k[0] == kind and k[2] == name)
            report.error(f"{why} submits {kind} {name} in namespace {namespace}, but deploy/argo renders it "
                         + (f"in {', '.join(elsewhere)}" if elsewhere else "nowhere"))

    for document in templates:
        namespace = document["metadata"].get("namespace")
        for reference in references(document.get("spec", {})):
            cluster = reference.get("clusterScope", False)
            key = ("ClusterWorkflowTemplate", None, reference.get("name")) if cluster else ("WorkflowTemplate", namespace, reference.get("name"))
            label = f"{document['kind']} {document['metadata']['name']} ({namespace}): templateRef {reference.get('name')}"
            if key in index:
                report.ok(f"{label} resolves in {'cluster scope' if cluster else 'the same namespace'}")
            else:
                report.error(f"{label}: deploy/argo renders no such template in {'cluster scope' if cluster else namespace}")
    report.finish()


def allows(rules, group, resource, verb):
    return any(
        (group in rule.get("apiGroups", []) or "*" in rule.get("apiGroups", []))
        and (resource in rule.get("resources", []) or "*" in rule.get("resources", []))
        and (verb in rule.get("verbs", []) or "*" in rule.get("verbs", []))
        for rule in rules
    )


class Permissions:
    """The RBAC objects of a build: which rules reach a service account, in a namespace or cluster-wide."""

    def __init__(self, documents):
        self.documents = documents
        self.roles = {(d["kind"], d["metadata"].get("namespace"), d["metadata"]["name"]): d.get("rules") or []
                      for d in documents if d.get("kind") in ("Role", "ClusterRole")}

    def rules(self, account, namespace):
        """Rules granted to `account` (namespace, name) in `namespace`; None: cluster-scoped resources only."""
        granted = []
        for binding in self.documents:
            kind = binding.get("kind")
            if kind == "ClusterRoleBinding" or (kind == "RoleBinding" and namespace is not None
                                                and binding["metadata"].get("namespace") == namespace):
                subjects = binding.get("subjects") or []
                if not any(s.get("kind") == "ServiceAccount" and (s.get("namespace"), s.get("name")) == account for s in subjects):
                    continue
                reference = binding.get("roleRef") or {}
                role_namespace = binding["metadata"].get("namespace") if reference.get("kind") == "Role" else None
                granted += self.roles.get((reference.get("kind"), role_namespace, reference.get("name")), [])
        return granted

    def accounts(self):
        return {(d["metadata"].get("namespace"), d["metadata"]["name"]) for d in self.documents if d.get("kind") == "ServiceAccount"}


# The namespace of deploy/overlays/example, where deploy/rbac expects the gateway's account.
OVERLAY_NAMESPACE = "sensor-gateway"

# What the gateway's token needs in each namespace it submits to, and cluster-wide (deploy/rbac/argo-submitter.yaml).
SUBMIT_NEEDS = [("workflows", ("create", "get", "list")), ("workflowtemplates", ("get",)), ("cronworkflows", ("get",))]
CLUSTER_NEEDS = [("clusterworkflowtemplates", ("get",))]
EXECUTOR_NEEDS = [("workflowtaskresults", ("create", "patch"))]


def rbac(rbac_rendered, argo_rendered, gateway_rendered, kubeflow_example):
    """deploy/rbac grants the gateway's Argo token what its requests need in every namespace it submits to (and no
    more), and each template's service account the executor's minimum; the KFP example binds the right accounts."""
    report = Report()
    documents = load_documents([rbac_rendered])
    permissions = Permissions(documents)
    config, routing, sensors, deployment = gateway_files(gateway_rendered)

    def describe(needs):
        return "; ".join(f"{', '.join(verbs)} {resource}" for resource, verbs in needs)

    def check(account, namespace, needs, label):
        rules = permissions.rules(account, namespace)
        missing = [f"{verb} {resource}" for resource, verbs in needs for verb in verbs
                   if not allows(rules, "argoproj.io", resource, verb)]
        who = f"{account[0]}/{account[1]}"
        where = f"namespace {namespace}" if namespace else "cluster scope"
        if missing:
            report.error(f"{who} may not {', '.join(missing)} in {where} ({label}): no binding there grants it")
        else:
            report.ok(f"{who} may {describe(needs)} in {where} ({label})")
        return rules

    # The gateway sends its pod's projected service-account token: deploy/rbac is written for the example overlay's
    # namespace, which the base leaves to the overlay.
    pod_spec = ((deployment or {}).get("spec", {}).get("template", {}).get("spec", {})) or {}
    account = ((deployment or {}).get("metadata", {}).get("namespace") or OVERLAY_NAMESPACE,
               pod_spec.get("serviceAccountName") or "default")
    argo_volume = next((v for v in pod_spec.get("volumes", []) if v.get("name") == "argo-token"), {})
    if any("serviceAccountToken" in source for source in (argo_volume.get("projected") or {}).get("sources", [])):
        report.ok(f"the Argo token is the projected token of the pod's account {account[0]}/{account[1]}")
    else:
        report.error("volume argo-token is not a projected service-account token: deploy/rbac grants the pod's account")

    needed = {}
    for namespace, _, _, why in argo_targets(config, routing, sensors):
        needed.setdefault(namespace, []).append(why)
    everything = []
    for namespace in sorted(needed):
        everything += check(account, namespace, SUBMIT_NEEDS, ", ".join(needed[namespace]))
    everything += check(account, None, CLUSTER_NEEDS, "submit-from and routes naming a ClusterWorkflowTemplate")
    for rule in {json.dumps(rule, sort_keys=True): rule for rule in everything}.values():
        broad = [verb for verb in rule.get("verbs", []) if verb in ("*", "delete", "deletecollection", "escalate", "bind", "impersonate")]
        if broad or "*" in rule.get("resources", []) or "*" in rule.get("apiGroups", []) or rule.get("apiGroups") != ["argoproj.io"]:
            report.error(f"{account[0]}/{account[1]} is granted {json.dumps(rule)}: more than the gateway's requests need")

    templates = [d for d in load_documents([argo_rendered]) if d.get("kind") == "WorkflowTemplate"]
    # Templates other templates call through templateRef: their steps run in the caller's workflow, as its account.
    callers_of = {}
    for template in templates:
        for reference in references(template.get("spec", {})):
            if not reference.get("clusterScope"):
                key = (template["metadata"].get("namespace"), reference.get("name"))
                callers_of.setdefault(key, []).append(template)
    runners = {}
    for template in templates:
        name = (template.get("spec") or {}).get("serviceAccountName")
        namespace = template["metadata"].get("namespace")
        label = f"WorkflowTemplate {template['metadata']['name']}"
        if not name:
            callers = callers_of.get((namespace, template["metadata"]["name"]))
            if callers:
                report.ok(f"{label} ({namespace}): a library for {', '.join(c['metadata']['name'] for c in callers)}; "
                          "its steps run as the calling workflow's account")
            else:
                report.error(f"{label} ({namespace}): no spec.serviceAccountName, so its pods run as the namespace's default account")
            continue
        runners.setdefault((namespace, name), []).append(template)
        if (namespace, name) not in permissions.accounts():
            report.error(f"{label} runs as {namespace}/{name}, which deploy/rbac does not create")
            continue
        check((namespace, name), namespace, EXECUTOR_NEEDS, f"the executor of {label}")

    # Multi-user KFP: the gateway's pod and every account that runs kfp-trigger may edit pipelines.
    example = load_documents([kubeflow_example])
    subjects = {(s.get("namespace"), s.get("name")) for d in example if d.get("kind") == "RoleBinding"
                and (d.get("roleRef") or {}).get("name") == "kubeflow-pipelines-edit" for s in d.get("subjects") or []}
    if not subjects:
        report.error(f"{kubeflow_example}: no RoleBinding to ClusterRole kubeflow-pipelines-edit")
    pod_account = ((deployment or {}).get("spec", {}).get("template", {}).get("spec", {}) or {}).get("serviceAccountName")
    pod_namespace = (deployment or {}).get("metadata", {}).get("namespace")
    callers = [(pod_namespace, pod_account, "the gateway's pod")]
    for (namespace, name), users in sorted(runners.items()):
        via = [u["metadata"]["name"] for u in users
               if any(r.get("name") == "kfp-trigger" for r in references(u.get("spec", {})))]
        if via:
            callers.append((namespace, name, "the kfp-trigger step of " + ", ".join(via)))
    for namespace, name, label in callers:
        matches = [s for s in subjects if s[1] == name and (namespace is None or s[0] == namespace)]
        if matches:
            report.ok(f"{os.path.basename(kubeflow_example)}: binds {matches[0][0]}/{name} ({label}) to kubeflow-pipelines-edit")
        else:
            report.error(f"{os.path.basename(kubeflow_example)}: {namespace or '<overlay namespace>'}/{name} ({label}) is not bound to kubeflow-pipelines-edit")
    report.finish()


# ---------------------------------------------------------------------------------------------------- monitoring


def rule_groups(prometheus_rule):
    """The rule groups of a PrometheusRule manifest as a Prometheus rule file (what `promtool check rules` reads)."""
    documents = [d for d in load_documents([prometheus_rule]) if d.get("kind") == "PrometheusRule"]
    if len(documents) != 1:
        print(f"error: expected one PrometheusRule in {prometheus_rule}, found {len(documents)}")
        sys.exit(1)
    print(yaml.safe_dump({"groups": documents[0]["spec"]["groups"]}, sort_keys=False), end="")


# A metric name in a PromQL expression: an identifier that is not a function (followed by `(`), an aggregation or
# keyword, nor inside a label matcher `{…}`, a range `[…]` or a label list (`by (…)`, `on (…)`, …).
PROMQL_WORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless",
                "offset", "inf", "nan", "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count",
                "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio"}


def promql_metric_names(expression):
    names = set()
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expression)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", r"\1 ()", text)
    text = re.sub(r"\{[^}]*\}", "{}", text)
    text = re.sub(r"\[[^\]]*\]", "[]", text)
    text = re.sub(r"\$__\w+|\$\w+", "", text)
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", text):
        word = match.group(0)
        following = text[match.end():].lstrip()
        if word.lower() in PROMQL_WORDS or following.startswith("("):
            continue
        if re.fullmatch(r"[0-9.e]+", word):
            continue
        names.add(word)
    return names


def dashboard(path, openapi):
    """The Grafana dashboard parses, and every metric its queries use is one /metrics exports (x-metric-families of
    the admin API spec, which the conformance test holds to the live output), histograms with their series."""
    report = Report()
    with open(path, encoding="utf-8") as file:
        try:
            board = json.load(file)
        except json.JSONDecodeError as error:
            report.error(f"{path}: not JSON: {error}")
            report.finish()
    with open(openapi, encoding="utf-8") as file:
        spec = yaml.safe_load(file)
    families = {}
    for family in spec["paths"]["/metrics"]["get"]["responses"]["200"]["x-metric-families"]:
        families[family["name"]] = family["type"]
    exported = set(families)
    for name, kind in families.items():
        if kind == "histogram":
            exported |= {name + "_bucket", name + "_sum", name + "_count"}

    queries = []

    def walk(node, where):
        if isinstance(node, dict):
            title = node.get("title", where)
            for key, value in node.items():
                if key == "expr" and isinstance(value, str):
                    queries.append((title, value))
                elif key == "query" and isinstance(value, str) and "(" in value:
                    queries.append((title, value))
                else:
                    walk(value, title)
        elif isinstance(node, list):
            for item in node:
                walk(item, where)

    walk(board, board.get("title", path))
    if not queries:
        report.error(f"{path}: no queries")
    used = set()
    unknown_any = False
    for title, expression in queries:
        # Grafana's label_values(metric, label): the metric alone.
        names = promql_metric_names(re.sub(r"^label_values\((.*),\s*\w+\)$", r"\1", expression))
        unknown = sorted(name for name in names if name not in exported)
        if unknown:
            report.error(f"{path}: panel {title!r}: {', '.join(unknown)} not exported by the gateway")
            unknown_any = True
        used |= names
    if not unknown_any:
        report.ok(f"{path}: {len(queries)} queries over {len(used)} metrics, all exported: {', '.join(sorted(used))}")
    report.finish()


# ---------------------------------------------------------------------------------------------------- summary


def summary(rendered):
    """What an operator reads off the build, as JSON: each resource, and the Deployment's settings."""
    documents = load_documents([rendered])
    resources = [
        {"kind": d.get("kind"), "name": d["metadata"]["name"], "namespace": d["metadata"].get("namespace")}
        for d in documents
    ]
    deployment = next(d for d in documents if d.get("kind") == "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    config_maps = [d for d in documents if d.get("kind") == "ConfigMap"]
    print(json.dumps({
        "resources": resources,
        "deployment": {
            "replicas": deployment["spec"].get("replicas"),
            "image": container.get("image"),
            "args": container.get("args", []),
            "runAsNonRoot": pod.get("securityContext", {}).get("runAsNonRoot", False),
            "readOnlyRootFilesystem": container.get("securityContext", {}).get("readOnlyRootFilesystem", False),
            "memoryRequest": container.get("resources", {}).get("requests", {}).get("memory"),
            "memoryLimit": container.get("resources", {}).get("limits", {}).get("memory"),
            "configMapKeys": sorted(key for c in config_maps for key in c.get("data", {})),
        },
        "sensorNames": sorted(
            sensor["metadata"]["name"]
            for c in config_maps
            for sensor in yaml.safe_load_all(c.get("data", {}).get("sensors.yaml", ""))
            if sensor
        ),
    }))


def main():
    commands = {
        "summary": (summary, 1),
        "rule-groups": (rule_groups, 1),
        "dashboard": (dashboard, 2),
        "validate": (validate, None),
        "mounts": (mounts, 3),
        "nack": (nack, 2),
        "dockerfile": (dockerfile, 3),
        "sync": (sync, 1),
        "kustomization": (kustomization, None),
        "argo": (argo, 2),
        "rbac": (rbac, 4),
    }
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        sys.exit(2)
    function, count = commands[sys.argv[1]]
    arguments = sys.argv[2:]
    if count is None:
        function(arguments)
    elif len(arguments) != count:
        print(__doc__)
        sys.exit(2)
    else:
        function(*arguments)


if __name__ == "__main__":
    main()

# sensor-gateway: build, test and benchmark. `make test` prepares a fresh Debian machine by itself.
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := libnats-dev libmsgpack-dev libcurl4-openssl-dev nats-server pkg-config openssl
# kubectl (deploy tests): Debian's kubernetes-client, installed only when no kubectl is on PATH, since another
# package may already own /usr/bin/kubectl (dpkg would refuse to overwrite it).
KUBECTL_PACKAGE := kubernetes-client
PIP_PACKAGES := msgpack==1.2.4 jsonschema==4.26.0 PyYAML==6.0.3 kubernetes-validate==1.37.0 nats-py==2.16.0 aiohttp==3.14.5
# The C baseline of the JetStream and gateway benchmarks: the same consume loop straight on libnats and msgpack-c.
JETSTREAM_C_BENCH := .build/jetstream-consume-c

.PHONY: deps build test demo bench bench-jetstream bench-gateway

## deps: install the C libraries, nats-server, kubectl and the Python test clients from PyPI (a Debian python3 that
## refuses pip installs, PEP 668, gets --break-system-packages) (msgpack; jsonschema and PyYAML
## for the Argo schema checks of deploy/argo; kubernetes-validate for the deploy tests; nats-py for the gateway's
## end-to-end tests; aiohttp for the gateway benchmark's Python bridge) if they are missing, and the package lists
## (the deploy tests ask apt-cache whether the Dockerfile's packages exist).
deps:
	@missing=""; for package in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "ok installed" || missing="$$missing $$package"; \
	done; \
	command -v kubectl >/dev/null 2>&1 || missing="$$missing $(KUBECTL_PACKAGE)"; \
	python3 -m pip --version >/dev/null 2>&1 || missing="$$missing python3-pip"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	elif ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then \
		$(SUDO) apt-get update -qq; \
	fi
	@python3 -c 'import msgpack, jsonschema, yaml, kubernetes_validate, nats, aiohttp' 2>/dev/null \
		|| python3 -m pip install -q --disable-pip-version-check $(PIP_PACKAGES) \
		|| python3 -m pip install -q --disable-pip-version-check --break-system-packages $(PIP_PACKAGES)

## build: debug build of every target.
build: deps
	$(SWIFT) build

## test: every test (unit, interop with Python clients, and later a real nats-server); it runs the gateway
## benchmark once with --smoke (debug build), which needs the C baseline.
test: deps $(JETSTREAM_C_BENCH)
	$(SWIFT) build --build-tests
	$(SWIFT) test

## demo: nats-server on loopback, provisioning, the gateway with config/, the sample events, the outbox and metrics.
demo: deps
	$(SWIFT) build --product sensor-gateway
	bash scripts/demo.sh

## bench: the benchmarks, release build; figures are kept in README.md.
bench: deps $(JETSTREAM_C_BENCH)
	$(SWIFT) run -c release EventModelBenchmark
	$(SWIFT) run -c release SensorKitBenchmark
	$(SWIFT) run -c release JetStreamBenchmark $(JETSTREAM_C_BENCH)
	$(SWIFT) run -c release TriggersBenchmark
	$(SWIFT) build -c release --product sensor-gateway && $(SWIFT) run -c release GatewayBenchmark

$(JETSTREAM_C_BENCH): Benchmarks/JetStreamBenchmark/c/consume.c
	mkdir -p .build
	$(CC) -O2 -o $@ $< $$(pkg-config --cflags --libs libnats msgpack)

## bench-jetstream: JetStream consume + decode + ack only, Swift module vs the C program (same nats-server).
bench-jetstream: deps $(JETSTREAM_C_BENCH)
	$(SWIFT) run -c release JetStreamBenchmark $(JETSTREAM_C_BENCH)

## bench-gateway: the end-to-end benchmark of the release sensor-gateway binary (README "Performance").
bench-gateway: deps $(JETSTREAM_C_BENCH)
	$(SWIFT) build -c release --product sensor-gateway && $(SWIFT) run -c release GatewayBenchmark

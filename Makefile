# sensor-gateway: build, test and benchmark. `make test` prepares a fresh Debian machine by itself.
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := libnats-dev libmsgpack-dev libcurl4-openssl-dev nats-server pkg-config openssl
PIP_PACKAGES := msgpack==1.2.4 jsonschema==4.26.0 PyYAML==6.0.3

.PHONY: deps build test bench bench-jetstream

## deps: install the C libraries, nats-server and the Python test clients (msgpack; jsonschema and PyYAML for the
## Argo schema checks of deploy/argo) if they are missing.
deps:
	@missing=""; for package in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "ok installed" || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@python3 -c 'import msgpack, jsonschema, yaml' 2>/dev/null \
		|| python3 -m pip install -q --disable-pip-version-check $(PIP_PACKAGES) \
		|| (DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-msgpack python3-jsonschema python3-yaml)

## build: debug build of every target.
build: deps
	$(SWIFT) build

## test: every test (unit, interop with Python clients, and later a real nats-server).
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test

JETSTREAM_C_BENCH := .build/jetstream-consume-c

## bench: the benchmarks, release build; figures are kept in README.md.
bench: deps $(JETSTREAM_C_BENCH)
	$(SWIFT) run -c release EventModelBenchmark
	$(SWIFT) run -c release SensorKitBenchmark
	$(SWIFT) run -c release JetStreamBenchmark $(JETSTREAM_C_BENCH)
	$(SWIFT) run -c release TriggersBenchmark

# The C baseline of the JetStream benchmark: the same consume loop straight on libnats and msgpack-c.
$(JETSTREAM_C_BENCH): Benchmarks/JetStreamBenchmark/c/consume.c
	mkdir -p .build
	$(CC) -O2 -o $@ $< $$(pkg-config --cflags --libs libnats msgpack)

## bench-jetstream: JetStream consume + decode + ack only, Swift module vs the C program (same nats-server).
bench-jetstream: deps $(JETSTREAM_C_BENCH)
	$(SWIFT) run -c release JetStreamBenchmark $(JETSTREAM_C_BENCH)

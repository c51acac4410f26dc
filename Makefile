# sensor-gateway: build, test and benchmark. `make test` prepares a fresh Debian machine by itself.
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := libnats-dev libmsgpack-dev libcurl4-openssl-dev libre2-dev liblua5.1-0-dev libjq-dev nats-server pkg-config \
	openssl curl git openssh-client prometheus chromium
# kubectl (deploy tests): Debian's kubernetes-client, installed only when no kubectl is on PATH, since another
# package may already own /usr/bin/kubectl (dpkg would refuse to overwrite it).
KUBECTL_PACKAGE := kubernetes-client
PIP_PACKAGES := msgpack==1.2.4 jsonschema==4.26.0 PyYAML==6.0.3 kubernetes-validate==1.37.0 nats-py==2.16.0 \
	openapi-spec-validator==0.9.0 aiohttp==3.14.5 moto[server]==5.2.1 opentelemetry-proto==1.45.2
# The C baseline of the JetStream and gateway benchmarks: the same consume loop straight on libnats and msgpack-c.
JETSTREAM_C_BENCH := .build/jetstream-consume-c

.PHONY: deps build format lint test chaos demo screenshots bench bench-jetstream bench-gateway sample-events fuzz-build fuzz fuzz-seeds \
	sanitize sanitize-address sanitize-thread

## deps: install the C libraries, nats-server, promtool (Debian's prometheus: the metrics and alert rule checks),
## chromium (headless: the console's browser tests and `make screenshots`),
## kubectl and the Python test clients from PyPI (a Debian python3 that
## refuses pip installs, PEP 668, gets --break-system-packages) (msgpack; jsonschema and PyYAML
## for the Argo schema checks of deploy/argo; kubernetes-validate for the deploy tests; nats-py for the gateway's
## end-to-end tests; openapi-spec-validator for the event endpoint's spec; aiohttp for the gateway benchmark's Python
## bridge) if they are missing, and the package lists (the deploy tests ask apt-cache whether the Dockerfile's packages
## exist).
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
	@python3 -c 'import msgpack, jsonschema, yaml, kubernetes_validate, nats, openapi_spec_validator, aiohttp' 2>/dev/null \
		|| python3 -m pip install -q --disable-pip-version-check $(PIP_PACKAGES) \
		|| python3 -m pip install -q --disable-pip-version-check --break-system-packages $(PIP_PACKAGES)

## format: format every Swift file in place with the toolchain's `swift format` and `.swift-format` (4 spaces,
## 120 columns).
## lint: fail on any formatting finding (`make test` runs it first).
SWIFT_FORMAT_PATHS := Package.swift Plugins Sources Tests Benchmarks Fuzz

format:
	$(SWIFT) format format --in-place --recursive --parallel $(SWIFT_FORMAT_PATHS)

lint:
	$(SWIFT) format lint --strict --recursive --parallel $(SWIFT_FORMAT_PATHS)

## build: debug build of every target.
build: deps
	$(SWIFT) build

## test: the format check, then every test (unit, interop with Python clients, a real nats-server); the build fails
## when a target imports a module it does not list in Package.swift; it runs the gateway benchmark once with --smoke
## (debug build), which needs the C baseline.
# The suites that measure server timing in-process (ack waits, redelivery, heartbeats) run in a second pass of their
# own: in the first, the other suites' child processes and blocking waits load the two cores and the shared
# cooperative thread pool, which would delay what these suites time.
TIMING_SUITES := JetStreamTests\.|GatewayEngineTests
# The chaos suites (kill -9, nats-server restarts, sink faults, replicas; a three-node NATS cluster losing nodes) start
# many processes of their own: they run in a third pass, short versions here, long ones in `make chaos`.
CHAOS_SUITES := ChaosTests|NATSClusterTests|K8sTriggerChaosTests

test: deps lint $(JETSTREAM_C_BENCH)
	$(SWIFT) build --build-tests --explicit-target-dependency-import-check error
	$(SWIFT) test --skip-build --skip '$(TIMING_SUITES)|$(CHAOS_SUITES)'
	$(SWIFT) test --skip-build --filter '$(TIMING_SUITES)'
	$(SWIFT) test --skip-build --filter '$(CHAOS_SUITES)'

## sanitize: `make sanitize-address`, then `make sanitize-thread` (`make -k sanitize` runs the second also when the
## first fails); not part of `make test`: a clean build takes 9–15 min each on two cores, the three passes 4–6 min
## each (CONTRIBUTING.md, "Sanitizers").
## sanitize-address, sanitize-thread: every test under AddressSanitizer (LeakSanitizer included) or ThreadSanitizer,
## in the three passes of `make test`. Each builds in a scratch path of its own (.build-asan, .build-tsan), so the
## normal .build is untouched, and the tests start the sanitized sensor-gateway and GatewayBenchmark from it
## (SENSOR_GATEWAY_BIN, GATEWAY_BENCHMARK_BIN). Every process's reports go to <scratch>/sanitizer-reports/; a report
## or a failed pass fails the target once the three passes have run. Suppressions, each with why it is not ours:
## Tests/sanitizers/lsan.supp and tsan.supp.
SANITIZER_REPORTS = $(CURDIR)/$(SANITIZER_SCRATCH)/sanitizer-reports
SANITIZER_SUPPRESSIONS := $(CURDIR)/Tests/sanitizers
SANITIZER_TEST = $(SWIFT) test --skip-build --sanitize=$(SANITIZER) --scratch-path $(SANITIZER_SCRATCH)

sanitize: sanitize-address sanitize-thread

sanitize-address: SANITIZER := address
sanitize-address: SANITIZER_SCRATCH := .build-asan
sanitize-address: SANITIZER_ENVIRONMENT = \
	ASAN_OPTIONS=log_path=$(SANITIZER_REPORTS)/asan \
	LSAN_OPTIONS=suppressions=$(SANITIZER_SUPPRESSIONS)/lsan.supp:print_suppressions=0
sanitize-thread: SANITIZER := thread
sanitize-thread: SANITIZER_SCRATCH := .build-tsan
sanitize-thread: SANITIZER_ENVIRONMENT = \
	TSAN_OPTIONS=log_path=$(SANITIZER_REPORTS)/tsan:suppressions=$(SANITIZER_SUPPRESSIONS)/tsan.supp:print_suppressions=0

sanitize-address sanitize-thread: deps $(JETSTREAM_C_BENCH)
	$(SWIFT) build --build-tests --sanitize=$(SANITIZER) --scratch-path $(SANITIZER_SCRATCH)
	bin=$$($(SWIFT) build --sanitize=$(SANITIZER) --scratch-path $(SANITIZER_SCRATCH) --show-bin-path); \
	rm -rf $(SANITIZER_REPORTS); mkdir -p $(SANITIZER_REPORTS); \
	export SENSOR_GATEWAY_BIN=$$bin/sensor-gateway GATEWAY_BENCHMARK_BIN=$$bin/GatewayBenchmark $(SANITIZER_ENVIRONMENT); \
	failed=""; \
	$(SANITIZER_TEST) --skip '$(TIMING_SUITES)|$(CHAOS_SUITES)' || failed="$$failed first"; \
	$(SANITIZER_TEST) --filter '$(TIMING_SUITES)' || failed="$$failed timing"; \
	$(SANITIZER_TEST) --filter '$(CHAOS_SUITES)' || failed="$$failed chaos"; \
	reports=$$(ls $(SANITIZER_REPORTS)); \
	for report in $$reports; do echo "== $(SANITIZER_REPORTS)/$$report"; cat $(SANITIZER_REPORTS)/$$report; done; \
	[ -z "$$failed$$reports" ] || { echo "sanitize-$(SANITIZER): failed passes:$${failed:- none}; reports:" \
		$$(echo $$reports | wc -w) "in $(SANITIZER_REPORTS)"; exit 1; }

## chaos: the long reliability runs (SENSOR_GATEWAY_CHAOS=long): 20k events with 5 kill -9 rounds, a 30 s 503 storm,
## replicas, and on a three-node NATS cluster 10k events with 3 stream-leader kills and 3 rolling restarts; figures are printed as CHAOS-FIGURE lines and kept in docs/reliability.md. Then each fuzzer for
## FUZZ_SECONDS (default 300).
chaos: deps
	$(SWIFT) build --build-tests
	SENSOR_GATEWAY_CHAOS=long $(SWIFT) test --skip-build --filter '$(CHAOS_SUITES)'
	$(MAKE) fuzz

## demo: nats-server on loopback, provisioning, the gateway with config/, the sample events, the outbox and metrics.
demo: deps
	$(SWIFT) build --product sensor-gateway
	bash scripts/demo.sh

## screenshots: a PNG of each view of the console (docs/images/console-*.png), taken by headless Chromium from a
## gateway with 1,000 sensors and a few events (ConsoleBrowserTests, which also checks each view's DOM).
screenshots: deps
	$(SWIFT) build --build-tests
	SENSOR_GATEWAY_SCREENSHOTS=$(CURDIR)/docs/images $(SWIFT) test --skip-build \
		--filter 'ConsoleBrowserTests.screenshotsOfEachViewAtAThousandSensors'

## sample-events: rewrite specs/events/*.msgpack from the sample JSON next to them (the JSON is the source of truth).
sample-events: deps
	python3 scripts/sample_events_msgpack.py

## bench: the benchmarks, release build; figures are kept in docs/performance.md.
# The Swift runtime and Foundation linked statically, as deploy/Dockerfile builds the shipped binary; every bench
# product is built with the same flags, since switching them rebuilds every module (`swift run` does not take
# --static-swift-stdlib, so the products are built, then run).
RELEASE := -c release --static-swift-stdlib
RELEASE_BIN := .build/release
bench-build-%: deps
	$(SWIFT) build $(RELEASE) --product $*

bench: deps $(JETSTREAM_C_BENCH) bench-build-EventModelBenchmark bench-build-SensorEngineBenchmark \
		bench-build-JetStreamBenchmark bench-build-TriggersBenchmark bench-build-sensor-gateway bench-build-GatewayBenchmark
	$(RELEASE_BIN)/EventModelBenchmark
	$(RELEASE_BIN)/SensorEngineBenchmark
	$(RELEASE_BIN)/JetStreamBenchmark $(JETSTREAM_C_BENCH)
	$(RELEASE_BIN)/TriggersBenchmark
	$(RELEASE_BIN)/GatewayBenchmark

$(JETSTREAM_C_BENCH): Benchmarks/JetStreamBenchmark/c/consume.c
	mkdir -p .build
	$(CC) -O2 -o $@ $< $$(pkg-config --cflags --libs libnats msgpack)

## bench-jetstream: JetStream consume + decode + ack only, Swift module vs the C program (same nats-server).
bench-jetstream: deps $(JETSTREAM_C_BENCH) bench-build-JetStreamBenchmark
	$(RELEASE_BIN)/JetStreamBenchmark $(JETSTREAM_C_BENCH)

## bench-gateway: the end-to-end benchmark of the release sensor-gateway binary (docs/performance.md).
bench-gateway: deps $(JETSTREAM_C_BENCH) bench-build-sensor-gateway bench-build-GatewayBenchmark
	$(RELEASE_BIN)/GatewayBenchmark

## fuzz-build: the libFuzzer executables (one per fuzz target, Fuzz/Targets) with AddressSanitizer, in a scratch path
## of their own so the normal build is untouched; SENSOR_GATEWAY_FUZZ=1 is what adds them to the package.
FUZZERS := MessagePack:messagepack:EventModel Expression:expression:SensorLanguage Path:path:SensorLanguage \
	SensorYAML:sensor-yaml:SensorModel Regex:regex:RegexEngine Lua:lua:LuaScript JQ:jq:JQProgram
FUZZ_SCRATCH := .build/fuzz
FUZZ_SECONDS ?= 300
# Not SwiftPM's `--sanitize=fuzzer --sanitize=address`: SwiftPM passes those as two `-sanitize=` options in a different
# order on each run, and the Swift driver hands only the last one to the compiler, so every Swift module came out with
# either coverage or ASan, never both, and which one changed from one `swift build` to the next. `--sanitize=fuzzer`
# alone keeps SwiftPM's handling of the executables (libFuzzer's `main`); the `-sanitize=address,fuzzer` after it is
# the one the compiler gets. C and C++ targets get ASan through `-Xcc`.
FUZZ_FLAGS := --sanitize=fuzzer -Xswiftc -sanitize=address,fuzzer -Xcc -fsanitize=address --scratch-path $(FUZZ_SCRATCH)

fuzz-build: deps
	for fuzzer in $(FUZZERS); do \
		SENSOR_GATEWAY_FUZZ=1 $(SWIFT) build $(FUZZ_FLAGS) --product Fuzz$${fuzzer%%:*} || exit 1; \
	done

## fuzz: checks that each fuzzer's committed corpus Fuzz/corpus/<target> covers instrumented functions of the module
## it targets (the third field of FUZZERS; `-print_coverage=1`), then runs each fuzzer for FUZZ_SECONDS (default 300)
## from that corpus (read only: what the run finds goes to .build/fuzz/corpus/<target>, crashes to
## .build/fuzz/artifacts/); stops at the first crash with the fuzzer's exit status. Then merges the inputs that add
## coverage into the committed corpus (`-merge=1`), for review and commit. `make test` replays that corpus
## (FuzzCorpusTests).
fuzz: SHELL := /bin/bash
fuzz: fuzz-build
	bin=$$(SENSOR_GATEWAY_FUZZ=1 $(SWIFT) build $(FUZZ_FLAGS) --show-bin-path); \
	for fuzzer in $(FUZZERS); do \
		name=$${fuzzer%%:*}; rest=$${fuzzer#*:}; target=$${rest%%:*}; module=$${rest##*:}; \
		mkdir -p $(FUZZ_SCRATCH)/corpus/$$target $(FUZZ_SCRATCH)/artifacts; \
		environment="SWIFT_BACKTRACE=enable=no LSAN_OPTIONS=suppressions=Fuzz/lsan-suppressions.txt"; \
		[ "$$name" != JQ ] || environment="$$environment ASAN_OPTIONS=fast_unwind_on_malloc=0"; \
		env $$environment $$bin/Fuzz$$name -runs=0 -print_coverage=1 Fuzz/corpus/$$target > $(FUZZ_SCRATCH)/$$target.coverage 2>&1; \
		counters=$$(sed -n 's/.*Loaded 1 modules *(\([0-9]*\) inline.*/\1/p' $(FUZZ_SCRATCH)/$$target.coverage); \
		covered=$$(grep -c "^COVERED_FUNC: .*/Sources/$$module/" $(FUZZ_SCRATCH)/$$target.coverage); \
		[ "$${covered:-0}" -gt 0 ] || { echo "Fuzz$$name: the corpus covers no instrumented function of $$module" \
			"($${counters:-no} coverage counters, $(FUZZ_SCRATCH)/$$target.coverage)"; exit 1; }; \
		echo "== Fuzz$$name, $(FUZZ_SECONDS) s, $$counters coverage counters, $$covered functions of $$module covered"; \
		env $$environment $$bin/Fuzz$$name -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -rss_limit_mb=2048 -timeout=10 \
			-artifact_prefix=$(FUZZ_SCRATCH)/artifacts/$$target- \
			$(FUZZ_SCRATCH)/corpus/$$target Fuzz/corpus/$$target 2>&1 | tee $(FUZZ_SCRATCH)/$$target.log \
			| grep -E '^(Done|stat::|==[0-9]+==|SUMMARY|Fatal|.*Fatal error)'; \
		status=$${PIPESTATUS[0]}; [ "$$status" = 0 ] || { echo "Fuzz$$name failed ($$status): $(FUZZ_SCRATCH)/$$target.log"; exit 1; }; \
		env $$environment $$bin/Fuzz$$name -merge=1 Fuzz/corpus/$$target $(FUZZ_SCRATCH)/corpus/$$target 2>&1 | grep -E '^MERGE-OUTER: [0-9]+ new files'; \
	done

## fuzz-seeds: rewrites the seed part of Fuzz/corpus from specs/events, config/sensors and hand-written inputs.
fuzz-seeds: deps
	python3 scripts/fuzz_seeds.py

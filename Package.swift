// swift-tools-version:6.1
import PackageDescription

/// Settings shared by every Swift target: Swift 6 language mode plus the upcoming features that keep
/// imports honest (no C type leaks into a public signature without an explicit `public import`).
let swiftSettings: [SwiftSetting] = [
    // SE-0335: `any` spelled out for existentials.
    .enableUpcomingFeature("ExistentialAny"),
    // SE-0444: members are visible only from modules that are imported in the file.
    .enableUpcomingFeature("MemberImportVisibility"),
    // SE-0409: imports are internal unless declared `public import`.
    .enableUpcomingFeature("InternalImportsByDefault"),
]

var package = Package(
    name: "sensor-gateway",
    platforms: [.macOS(.v15)],
    dependencies: [
        // YAML for Sensor files; argument parsing for the executable.
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // SHA-256 for the firing identity that names workflows, runs and outbox files.
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // Logging, Prometheus metrics and service lifecycle for the daemon; Hummingbird serves its admin endpoints.
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // The certificate and key of the HTTP event source's TLS listener.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // Traces: the tracing API, and its OpenTelemetry backend with the OTLP/HTTP exporter alone (its default traits
        // would also build gRPC).
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
        .package(url: "https://github.com/swift-otel/swift-otel", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        // C libraries: one module each, imported by exactly one Swift module.
        .systemLibrary(name: "CNATS", pkgConfig: "libnats", providers: [.apt(["libnats-dev"])]),
        .systemLibrary(name: "CMsgPack", pkgConfig: "msgpack", providers: [.apt(["libmsgpack-dev"])]),
        .target(
            name: "CCurl",
            linkerSettings: [.linkedLibrary("curl")]
        ),
        // RE2 is C++: a C shim over it (CRE2.cpp, compiled as C++), for Swift to call.
        .target(
            name: "CRE2",
            linkerSettings: [.linkedLibrary("re2")]
        ),
        // Lua 5.1 (not LuaJIT) and libjq, for script filters and transforms; C helpers keep every Lua error's
        // longjmp inside C frames.
        .target(
            name: "CLua",
            linkerSettings: [.linkedLibrary("lua5.1")]
        ),
        .target(
            name: "CJQ",
            linkerSettings: [.linkedLibrary("jq")]
        ),

        // The version and revision the binary is built from (`BuildInfo`), written before every build by the
        // VersionStamp plugin (scripts/build-version.sh: git describe, or the VERSION file of a source tarball).
        .plugin(name: "VersionStamp", capability: .buildTool()),
        .target(
            name: "BuildStamp",
            swiftSettings: swiftSettings,
            plugins: ["VersionStamp"]
        ),

        // Swift modules, lowest layer first.
        .target(
            name: "EventModel",
            dependencies: ["CMsgPack"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HTTPTransport",
            dependencies: ["CCurl"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "JetStream",
            dependencies: ["CNATS"],
            swiftSettings: swiftSettings
        ),
        // RE2 regular expressions with Go's regexp semantics, for the sensor language.
        .target(
            name: "RegexEngine",
            dependencies: ["CRE2"],
            swiftSettings: swiftSettings
        ),
        // Sandboxed, budgeted Lua scripts and jq programs over event data: the only importers of CLua and CJQ.
        .target(
            name: "LuaScript",
            dependencies: ["CLua", "EventModel"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "JQProgram",
            dependencies: ["CJQ", "EventModel"],
            swiftSettings: swiftSettings
        ),
        // Configuration files: one located YAML reader for Sensors, routing, gateway.yaml and specs/jetstream.
        .target(
            name: "ConfigReader",
            dependencies: ["EventModel", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        // The pure core: the sensor language, the Sensor and routing model, the engine that evaluates them.
        .target(
            name: "SensorLanguage",
            dependencies: ["ConfigReader", "EventModel", "RegexEngine"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SensorModel",
            dependencies: ["ConfigReader", "EventModel", "JQProgram", "LuaScript", "SensorLanguage"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SensorEngine",
            dependencies: [
                "ConfigReader", "EventModel", "SensorLanguage", "SensorModel",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Reads Sensor, routing, Argo template and event files for the daemon and the CLI.
        .target(
            name: "LocalFiles",
            dependencies: ["ConfigReader", "EventModel", "SensorModel"],
            swiftSettings: swiftSettings
        ),
        // The Kubernetes API client: the connection (explicit, in-cluster, kubeconfig), CRUD, patch, status,
        // discovery, list and watch.
        .target(
            name: "Kubernetes",
            dependencies: ["ConfigReader", "EventModel", "HTTPTransport"],
            swiftSettings: swiftSettings
        ),
        // The resource of a trigger `source`: url, file, S3, git, ConfigMap readers behind one entry point.
        .target(
            name: "Artifacts",
            dependencies: ["EventModel", "HTTPTransport", "SensorModel"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Triggers",
            dependencies: [
                "Artifacts", "ConfigReader", "EventModel", "HTTPTransport", "Kubernetes", "SensorModel", "SensorEngine",
            ],
            swiftSettings: swiftSettings
        ),
        // Argo's EventSource side: the HTTP CloudEvents endpoint and schedules, publishing into JetStream.
        .target(
            name: "EventSources",
            dependencies: [
                "ConfigReader",
                "EventModel",
                "HTTPTransport",
                "JetStream",
                "SensorLanguage",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Gateway",
            dependencies: [
                "BuildStamp",
                "EventModel",
                "HTTPTransport",
                "JetStream",
                "ConfigReader",
                "EventSources",
                "Kubernetes",
                "LocalFiles",
                "SensorModel",
                "SensorEngine",
                "SensorLanguage",
                "Triggers",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "sensor-gateway",
            dependencies: [
                "BuildStamp",
                "ConfigReader",
                "EventModel",
                "EventSources",
                "Gateway",
                "JetStream",
                "LocalFiles",
                "SensorModel",
                "SensorEngine",
                "Triggers",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings,
            // The release binary is linked by lld with packed relative relocations (DT_RELR, glibc 2.36 and later):
            // the dynamic loader reads 28 KB of them at start instead of 3 MB of RELA entries, which stayed
            // resident. It exports no symbols (`--static-swift-stdlib` asks for `-export-dynamic`): the loader
            // would search 54,000 of them on every symbol look-up of the shared libraries, keeping 3 MB of symbol
            // tables resident (docs/performance.md, "Idle memory").
            linkerSettings: [
                .unsafeFlags(
                    [
                        "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs", "-Xlinker",
                        "--no-export-dynamic",
                    ],
                    .when(platforms: [.linux], configuration: .release))
            ]
        ),

        // Test support: a real nats-server on a free loopback port (tests and benchmarks); sensor fixtures; the
        // loopback HTTP servers of the tests (Python scripts in Scripts/) and the suites' prerequisites.
        .target(
            name: "JetStreamTesting",
            dependencies: [],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LoopbackTesting",
            dependencies: ["EventModel", "HTTPTransport"],
            exclude: ["Scripts"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SensorTesting",
            dependencies: ["ConfigReader", "EventModel", "LocalFiles", "SensorModel", "SensorEngine"],
            swiftSettings: swiftSettings
        ),

        // Benchmarks: plain executables printing rates; run with `make bench`.
        .target(
            name: "DecodeBaselineC",
            dependencies: ["CMsgPack"],
            path: "Benchmarks/DecodeBaselineC"
        ),
        .executableTarget(
            name: "EventModelBenchmark",
            dependencies: ["EventModel", "DecodeBaselineC"],
            path: "Benchmarks/EventModelBenchmark",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "JetStreamBenchmark",
            dependencies: ["JetStream", "JetStreamTesting", "EventModel"],
            path: "Benchmarks/JetStreamBenchmark",
            exclude: ["c"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "TriggersBenchmark",
            dependencies: ["Triggers", "HTTPTransport", "SensorModel", "SensorEngine", "EventModel"],
            path: "Benchmarks/TriggersBenchmark",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "GatewayBenchmark",
            dependencies: ["Gateway", "JetStream", "JetStreamTesting", "EventModel", "HTTPTransport"],
            path: "Benchmarks/GatewayBenchmark",
            exclude: ["bridge.py"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "SensorEngineBenchmark",
            dependencies: ["RegexEngine", "SensorLanguage", "SensorModel", "SensorEngine", "EventModel"],
            path: "Benchmarks/SensorEngineBenchmark",
            swiftSettings: swiftSettings
        ),

        // Fuzzing: the fuzz targets as plain functions, so the corpus also replays in the normal build
        // (`FuzzCorpusTests`); the libFuzzer executables that call them are added below for `make fuzz`/`make chaos`.
        .target(
            name: "FuzzHarness",
            dependencies: [
                "ConfigReader", "EventModel", "JQProgram", "LuaScript", "RegexEngine", "SensorLanguage", "SensorModel",
                "SensorEngine",
            ],
            path: "Fuzz/Harness",
            swiftSettings: swiftSettings
        ),

        // Tests: one target per module, plus the command line and the deployment files.
        .testTarget(
            name: "ConfigReaderTests",
            dependencies: [
                "ConfigReader", "EventModel", "SensorTesting", .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FuzzCorpusTests",
            dependencies: ["FuzzHarness", "JQProgram", "LuaScript"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DeployTests",
            dependencies: ["LoopbackTesting"],
            exclude: ["Support"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EventModelTests",
            dependencies: ["EventModel"],
            exclude: ["Interop/msgpack_interop.py"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HTTPTransportTests",
            dependencies: ["HTTPTransport", "LoopbackTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KubernetesTests",
            dependencies: ["Kubernetes", "EventModel", "HTTPTransport", "LoopbackTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "JetStreamTests",
            dependencies: ["JetStream", "JetStreamTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SensorLanguageTests",
            dependencies: [
                "ConfigReader", "EventModel", "LocalFiles", "RegexEngine", "SensorLanguage", "SensorModel",
                "SensorEngine", "SensorTesting",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SensorModelTests",
            dependencies: [
                "ConfigReader", "EventModel", "LocalFiles", "SensorLanguage", "SensorModel", "SensorEngine",
                "SensorTesting",
            ],
            exclude: ["Python"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SensorEngineTests",
            dependencies: [
                "ConfigReader", "EventModel", "LocalFiles", "SensorLanguage", "SensorModel", "SensorEngine",
                "SensorTesting",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LocalFilesTests",
            dependencies: [
                "ConfigReader", "EventModel", "LocalFiles", "SensorLanguage", "SensorModel", "SensorEngine",
                "SensorTesting",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ArtifactsTests",
            dependencies: [
                "Artifacts", "EventModel", "HTTPTransport", "LoopbackTesting", "SensorEngine", "SensorModel",
                "Triggers",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TriggersTests",
            dependencies: [
                "Triggers", "ConfigReader", "EventModel", "Kubernetes", "LocalFiles", "SensorLanguage", "SensorModel",
                "SensorEngine", "SensorTesting", "HTTPTransport", "LoopbackTesting",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EventSourcesTests",
            dependencies: ["EventSources", "EventModel", "Gateway", "JetStream", "ConfigReader"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "Gateway", "HTTPTransport", "JetStream", "JetStreamTesting", "EventModel", "Triggers", "EventSources",
                "ConfigReader", "Kubernetes", "LocalFiles", "SensorModel", "SensorEngine", "SensorTesting",
                "LoopbackTesting",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["Support/publisher.py", "Support/admin_conformance.py", "Support/argo_eventbus.py"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CommandLineTests",
            dependencies: [
                "ConfigReader", "EventModel", "LocalFiles", "SensorLanguage", "SensorModel", "SensorEngine",
                "SensorTesting",
                "LoopbackTesting",
            ],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)

// libFuzzer executables, one per fuzz target (`make fuzz`, `make chaos`). They have no `main` of their own (libFuzzer
// supplies it under `--sanitize=fuzzer`), so they would not link in a plain build: the Makefile sets
// SENSOR_GATEWAY_FUZZ=1 and builds them in a scratch path of their own, and `swift build --build-tests` never sees them.
if Context.environment["SENSOR_GATEWAY_FUZZ"] == "1" {
    for name in ["FuzzMessagePack", "FuzzExpression", "FuzzPath", "FuzzSensorYAML", "FuzzRegex", "FuzzLua", "FuzzJQ"] {
        package.targets.append(
            .executableTarget(
                name: name,
                dependencies: ["FuzzHarness"],
                path: "Fuzz/Targets/\(name)",
                swiftSettings: swiftSettings
            )
        )
    }
}

import EventModel
import Foundation
import Logging
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

/// Once the gateway is first ready, gives back the pages of its own binary that only start-up needed.
///
/// Start-up runs code that never runs again (argument parsing, reading and validating the configuration and the
/// sensors, provisioning, binding the consumers), and the kernel maps up to 64 KB of the binary around each page a
/// fault touches, so what start-up touched would stay resident for the process's life: about 20 MB of a release
/// binary. `madvise(MADV_PAGEOUT)` over the binary's read-only mappings that hold no private copy (relocated data is
/// left alone) reclaims those pages, except those another process also maps; what runs afterwards faults back in.
/// The release waits on no device (the pages are clean: they are dropped, not written) and takes a few milliseconds.
struct StartupPagesService: Service {
    let state: GatewayState
    let logger: Logger

    /// How often readiness is looked at until the gateway is ready.
    private static let pollInterval = Duration.milliseconds(200)

    func run() async {
        while state.notReadyReason != nil {
            guard !Task.isShuttingDownGracefully && !Task.isCancelled else { return }
            _ = try? await cancelWhenGracefulShutdown { try await Task.sleep(for: Self.pollInterval) }
        }
        let before = ProcessStatistics.current()?.residentBytes
        let clock = ContinuousClock()
        let started = clock.now
        let released = StartupPages.release()
        let took = clock.now - started
        if let before, let after = ProcessStatistics.current()?.residentBytes, released.mappings > 0 {
            logger.info(
                "released the start-up pages of the binary",
                metadata: [
                    "residentMB": "\(Self.megabytes(before)) → \(Self.megabytes(after))",
                    "tookMs": "\(took.components.seconds * 1000 + took.components.attoseconds / 1_000_000_000_000_000)",
                ])
        }
        if let failure = released.failure {
            logger.debug("the start-up pages stay resident", metadata: [LoggingKeys.error: "\(failure)"])
        }
        try? await gracefulShutdown()
    }

    private static func megabytes(_ bytes: Double) -> String {
        String(format: "%.1f", bytes / 1_000_000)
    }
}

/// The read-only mappings of the running binary, and their release.
enum StartupPages {
    /// What ``release()`` did.
    struct Released: Equatable {
        /// The mappings advised.
        var mappings = 0
        /// Why a mapping could not be advised (the first reason): a kernel older than 5.4, a seccomp profile, or no
        /// procfs.
        var failure: String?
    }

    /// A mapping of `/proc/self/smaps`.
    struct Mapping: Equatable {
        var start: UInt
        var end: UInt
    }

    /// Advises `MADV_PAGEOUT` over ``releasableMappings(of:smaps:)`` of the running binary.
    static func release() -> Released {
        guard let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"),
            let smaps = try? String(contentsOfFile: "/proc/self/smaps", encoding: .utf8)
        else { return Released(failure: "/proc/self cannot be read") }
        var released = Released()
        for mapping in releasableMappings(of: executable, smaps: smaps) {
            let length = Int(mapping.end - mapping.start)
            if madvise(UnsafeMutableRawPointer(bitPattern: mapping.start), length, MADV_PAGEOUT) == 0 {
                released.mappings += 1
            } else if released.failure == nil {
                released.failure = "madvise(MADV_PAGEOUT): \(String(cString: strerror(errno)))"
            }
        }
        return released
    }

    /// The mappings of the file at `path` in `smaps` (the text of `/proc/self/smaps`) that are readable, neither
    /// writable nor shared, and hold no anonymous page (a page the loader relocated is a private copy).
    static func releasableMappings(of path: String, smaps: String) -> [Mapping] {
        var mappings: [Mapping] = []
        var candidate: Mapping?
        for line in smaps.split(separator: "\n") {
            if let field = line.firstIndex(of: ":"), !line[..<field].contains(" ") {
                // A field of the mapping above: `Anonymous:     0 kB`.
                if line[..<field] == "Anonymous", let mapping = candidate {
                    let kilobytes = line[line.index(after: field)...].split(separator: " ").first
                    if kilobytes == "0" { mappings.append(mapping) }
                    candidate = nil
                }
                continue
            }
            // A mapping: `start-end perms offset dev inode path`.
            candidate = nil
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            guard fields.count == 6, fields[5].trimmingCharacters(in: .whitespaces) == path,
                fields[1].hasPrefix("r-"), fields[1].hasSuffix("p")
            else { continue }
            let range = fields[0].split(separator: "-")
            guard range.count == 2, let start = UInt(range[0], radix: 16), let end = UInt(range[1], radix: 16),
                end > start
            else { continue }
            candidate = Mapping(start: start, end: end)
        }
        return mappings
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Process-wide signal set-up for the daemon.
public enum ProcessSignals {
    /// Unblocks SIGTERM, SIGINT and SIGHUP on the calling thread (call it first thing on the main thread).
    ///
    /// A process started by a parent that blocks them (some test runners and supervisors do) inherits the mask,
    /// and a blocked signal would never reach the service group: graceful shutdown and reload would not happen.
    public static func unblockDaemonSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGHUP)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }
}

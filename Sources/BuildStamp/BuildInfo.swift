/// What this binary was built from, stamped at build time by the `VersionStamp` plugin.
public enum BuildInfo {
    /// The release version: a tag as `git describe --tags --dirty` prints it (`v1.2.0`, `v1.2.0-3-gabc1234-dirty`),
    /// or the `VERSION` file's version with the commit (`0.1.0+gabc1234`) when no tag is reachable; `unknown` when
    /// neither is there.
    public static var version: String { stampedVersion }

    /// The full hash of the commit built, or `unknown` outside a git checkout.
    public static var revision: String { stampedRevision }
}

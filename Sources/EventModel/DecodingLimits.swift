/// Bounds on untrusted input, checked before anything is allocated for it.
public struct DecodingLimits: Sendable, Hashable {
    /// Largest accepted payload in bytes (default 1 MiB).
    public var maxPayloadBytes: Int
    /// Deepest accepted nesting of arrays and maps (default 64; MessagePack is further capped at
    /// ``MessagePackCodec/parserDepthCeiling``).
    public var maxDepth: Int
    /// Most elements in one array or entries in one map (default 65,536).
    public var maxContainerElements: Int

    /// Creates limits; the defaults are the gateway's.
    public init(maxPayloadBytes: Int = 1 << 20, maxDepth: Int = 64, maxContainerElements: Int = 65_536) {
        self.maxPayloadBytes = maxPayloadBytes
        self.maxDepth = maxDepth
        self.maxContainerElements = maxContainerElements
    }

    /// The gateway's defaults: 1 MiB, depth 64, 65,536 elements per container.
    public static let `default` = DecodingLimits()
}

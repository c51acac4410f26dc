import EventModel

extension DecodingLimits {
    /// What a stand-in's request log or object list may weigh after a long run: far above an event's limit.
    static let standInAnswers = DecodingLimits(maxPayloadBytes: 256 << 20, maxContainerElements: 1 << 22)
}

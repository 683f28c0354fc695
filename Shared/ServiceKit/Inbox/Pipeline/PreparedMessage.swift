import ExamHallMessaging
import ExamHallModels
import ExamHallStorage

/// A decoded, validated message ready to apply.
struct PreparedMessage: Sendable {
    let metadata: EnvelopeMetadata
    /// The decoded `CloudEvent`, handed back to a batch handler of its type.
    let event: any Sendable
    /// Present when the handler of this type applies batches.
    var batch: BatchApplier?
    let apply: @Sendable (HandlerContext) throws -> Void
    /// How often the broker delivered it before (`x-delivery-count`).
    var previousDeliveries = 0
    /// The body as it came, for the business keys of a rejection.
    var body: [UInt8] = []
    /// How the sender is answered if the message is rejected; nil when this service does not answer it.
    var answer: (any RejectionEvent.Type)?

    init(metadata: EnvelopeMetadata, event: any Sendable, batch: BatchApplier? = nil, apply: @escaping @Sendable (HandlerContext) throws -> Void) {
        self.metadata = metadata
        self.event = event
        self.batch = batch
        self.apply = apply
    }
}

/// A batch handler, type-erased: applies consecutive messages of one binding together.
struct BatchApplier: Sendable {
    let binding: ServiceTopology.Binding
    let apply: @Sendable ([(event: any Sendable, context: HandlerContext)], PGConnection) throws -> Void
}

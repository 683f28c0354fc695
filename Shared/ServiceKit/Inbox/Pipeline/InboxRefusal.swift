/// A delivery the inbox turns away before applying it (nothing takes it, or it does not decode): it is
/// dead-lettered with `reason`. `type` is the routing key it came by, for metrics and logs.
struct InboxRefusal: Error, Equatable {
    let type: String
    let reason: String
}

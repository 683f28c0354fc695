import ExamHallMessaging

/// The inbox pipeline's first step: the handler for where a delivery was first published. The handler's
/// event type says how the body decodes, which is why routing comes before decoding.
struct RouteStep: Sendable {
    let registry: HandlerRegistry

    func route(_ delivery: Delivery) -> Result<HandlerRegistry.Entry, InboxRefusal> {
        let binding = Self.binding(of: delivery)
        guard let entry = registry.entries[binding] else {
            return .failure(InboxRefusal(type: binding.routingKey, reason: "no handler for '\(binding.routingKey)' from '\(binding.exchange)'"))
        }
        return .success(entry)
    }

    /// Where a delivery was first published. A dead letter replayed by an operator arrives through the
    /// default exchange (only the admin user may publish there) carrying its original exchange and key.
    static func binding(of delivery: Delivery) -> ServiceTopology.Binding {
        if delivery.exchange.isEmpty,
           let exchange = delivery.properties.headers[DeadLetter.originalExchangeHeader]?.stringValue,
           let routingKey = delivery.properties.headers[DeadLetter.originalRoutingKeyHeader]?.stringValue {
            return ServiceTopology.Binding(exchange: exchange, routingKey: routingKey)
        }
        return ServiceTopology.Binding(exchange: delivery.exchange, routingKey: delivery.routingKey)
    }
}

import CRabbitMQ
import Foundation

/// One rabbitmq-c connection. rabbitmq-c connections are not thread-safe: an owner uses this from one
/// thread only (see `AMQPThread`), hence `@unchecked Sendable`. Any error leaves it unusable; owners
/// drop it and open a new one.
public final class AMQPConnection: @unchecked Sendable {
    private let state: amqp_connection_state_t
    private var isOpen = true
    /// The first error the broker or library reported. After it the connection (or its channel) is
    /// unusable; every later call fails with it at once rather than talking into a closed channel.
    private var brokenBy: AMQPError?
    /// Channel 1 consumes or publishes; channel 2 publishes dead letters with confirms.
    private var openChannels: Set<UInt16> = []
    /// Publisher-confirm sequence numbers per channel in confirm mode.
    private var nextPublishTag: [UInt16: UInt64] = [:]
    private var unconfirmed: [UInt16: Set<UInt64>] = [:]
    /// What the broker refused since confirms were last awaited: nacked publish tags, and mandatory
    /// messages it returned because no queue took them.
    private var refused = ConfirmOutcome()
    /// Deliveries read while waiting for something else (confirms, keep-alive); handed out first.
    private var buffered: [Delivery] = []
    /// The heartbeat the broker agreed to at login, in seconds (0: none).
    private var heartbeat = 0
    /// The broker holds this connection's publishes (a memory or disk alarm): `connection.blocked`
    /// until `connection.unblocked`. Learned whenever frames are read.
    public private(set) var isBlocked = false
    private var lastHeartbeatSent = ContinuousClock.now

    private init(state: amqp_connection_state_t) { self.state = state }

    deinit { close() }

    /// Opens a TCP connection, logs in and opens channel 1.
    public static func open(_ endpoint: AMQPEndpoint, connectTimeout: Duration = .seconds(5)) throws(AMQPError) -> AMQPConnection {
        guard let state = amqp_new_connection() else { throw .connectionFailed("out of memory") }
        let connection = AMQPConnection(state: state)
        func fail(_ reason: String) -> AMQPError {
            connection.isOpen = false
            amqp_destroy_connection(state)
            return .connectionFailed("\(endpoint.host):\(endpoint.port): \(reason)")
        }
        guard let socket = endpoint.tls == nil ? amqp_tcp_socket_new(state) : amqp_ssl_socket_new(state) else {
            throw fail("cannot create socket")
        }
        if let tls = endpoint.tls {
            // The broker's certificate must chain to a trusted authority and name the host we asked for.
            amqp_ssl_socket_set_verify_peer(socket, 1)
            amqp_ssl_socket_set_verify_hostname(socket, 1)
            _ = amqp_ssl_socket_set_ssl_versions(socket, AMQP_TLSv1_2, AMQP_TLSvLATEST)
            guard amqp_ssl_socket_set_cacert(socket, tls.certificateAuthorities) == AMQP_STATUS_OK.rawValue else {
                throw fail("cannot read the certificate authorities in \(tls.certificateAuthorities)")
            }
            if let certificate = tls.certificate, let key = tls.key {
                guard amqp_ssl_socket_set_key(socket, certificate, key) == AMQP_STATUS_OK.rawValue else {
                    throw fail("cannot read the client certificate \(certificate) or its key \(key)")
                }
            }
        }
        var timeout = timeval(duration: connectTimeout)
        let status = amqp_socket_open_noblock(socket, endpoint.host, Int32(endpoint.port), &timeout)
        guard status == AMQP_STATUS_OK.rawValue else {
            throw fail(String(cString: amqp_error_string2(status)))
        }
        // No broker reply may be awaited forever (rabbitmq-c's default), whatever happens to the peer.
        var rpcTimeout = timeval(duration: .seconds(30))
        amqp_set_rpc_timeout(state, &rpcTimeout)
        let login = examhall_amqp_login_plain(state, endpoint.vhost, 0, 131_072, Int32(endpoint.heartbeat), endpoint.user, endpoint.password)
        do {
            try connection.check(login, "login")
            connection.heartbeat = Int(amqp_get_heartbeat(state))
            try connection.openChannel(1)
        } catch {
            connection.close()
            throw .connectionFailed("\(endpoint): \(error)")
        }
        return connection
    }

    public func close() {
        guard isOpen else { return }
        isOpen = false
        // A connection that failed at the socket (silent broker, reset) gets no close handshake: it
        // would only wait for a reply that cannot come.
        if !isDeadSocket { amqp_connection_close(state, Int32(AMQP_REPLY_SUCCESS)) }
        amqp_destroy_connection(state)
    }

    private var isDeadSocket: Bool {
        switch brokenBy {
        // A blocked connection's socket is not read by the broker: a close handshake would not be answered.
        case .library, .timeout, .blocked: true
        default: false
        }
    }

    // MARK: - Topology

    public func declareExchange(_ name: String, type: String, durable: Bool = true) throws(AMQPError) {
        try usable()
        let arena = ByteArena()
        amqp_exchange_declare(state, 1, arena.bytes(name), arena.bytes(type), 0, durable ? 1 : 0, 0, 0, amqp_empty_table)
        try check(amqp_get_rpc_reply(state), "exchange.declare \(name)")
    }

    /// Declares a queue (or with `passive`, only asks about it) and returns its message and consumer counts.
    @discardableResult
    public func declareQueue(
        _ name: String, durable: Bool = true, exclusive: Bool = false, autoDelete: Bool = false,
        passive: Bool = false, arguments: [String: AMQPValue] = [:]
    ) throws(AMQPError) -> (messages: Int, consumers: Int) {
        try usable()
        let arena = ByteArena()
        let table = arena.table(arguments)
        let ok = amqp_queue_declare(state, 1, arena.bytes(name), passive ? 1 : 0, durable ? 1 : 0, exclusive ? 1 : 0, autoDelete ? 1 : 0, table)
        try check(amqp_get_rpc_reply(state), "queue.declare \(name)")
        guard let ok else { throw .library("queue.declare \(name) returned nothing") }
        return (Int(ok.pointee.message_count), Int(ok.pointee.consumer_count))
    }

    public func bindQueue(_ queue: String, exchange: String, routingKey: String) throws(AMQPError) {
        try usable()
        let arena = ByteArena()
        amqp_queue_bind(state, 1, arena.bytes(queue), arena.bytes(exchange), arena.bytes(routingKey), amqp_empty_table)
        try check(amqp_get_rpc_reply(state), "queue.bind \(queue) \(exchange) \(routingKey)")
    }

    public func unbindQueue(_ queue: String, exchange: String, routingKey: String) throws(AMQPError) {
        try usable()
        let arena = ByteArena()
        amqp_queue_unbind(state, 1, arena.bytes(queue), arena.bytes(exchange), arena.bytes(routingKey), amqp_empty_table)
        try check(amqp_get_rpc_reply(state), "queue.unbind \(queue) \(exchange) \(routingKey)")
    }

    @discardableResult
    public func purgeQueue(_ queue: String) throws(AMQPError) -> Int {
        try usable()
        let arena = ByteArena()
        let ok = amqp_queue_purge(state, 1, arena.bytes(queue))
        try check(amqp_get_rpc_reply(state), "queue.purge \(queue)")
        return Int(ok?.pointee.message_count ?? 0)
    }

    public func deleteQueue(_ queue: String) throws(AMQPError) {
        try usable()
        let arena = ByteArena()
        amqp_queue_delete(state, 1, arena.bytes(queue), 0, 0)
        try check(amqp_get_rpc_reply(state), "queue.delete \(queue)")
    }

    // MARK: - Consuming

    /// Starts pushing messages from `queue` to this connection, at most `prefetch` unacknowledged at a time.
    public func startConsuming(_ queue: String, prefetch: Int) throws(AMQPError) {
        try usable()
        amqp_basic_qos(state, 1, 0, UInt16(clamping: prefetch), 0)
        try check(amqp_get_rpc_reply(state), "basic.qos")
        let arena = ByteArena()
        amqp_basic_consume(state, 1, arena.bytes(queue), amqp_empty_bytes, 0, 0, 0, amqp_empty_table)
        try check(amqp_get_rpc_reply(state), "basic.consume \(queue)")
    }

    /// The next pushed delivery, or nil when none arrives within `timeout`. Heartbeats flow meanwhile.
    public func nextDelivery(timeout: Duration) throws(AMQPError) -> Delivery? {
        if !buffered.isEmpty { return buffered.removeFirst() }
        return try readDelivery(timeout: timeout)
    }

    /// Keeps the connection alive while the owner is busy elsewhere: answers heartbeats and buffers any
    /// delivery that arrives for later.
    public func keepAlive(timeout: Duration = .zero) throws(AMQPError) {
        if let delivery = try readDelivery(timeout: timeout) { buffered.append(delivery) }
    }

    private func readDelivery(timeout: Duration) throws(AMQPError) -> Delivery? {
        try usable()
        try sendHeartbeatIfDue()
        amqp_maybe_release_buffers(state)
        var envelope = amqp_envelope_t()
        var tv = timeval(duration: timeout)
        let reply = amqp_consume_message(state, &envelope, &tv, 0)
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            defer { amqp_destroy_envelope(&envelope) }
            return Delivery(
                deliveryTag: envelope.delivery_tag,
                exchange: envelope.exchange.string,
                routingKey: envelope.routing_key.string,
                redelivered: envelope.redelivered != 0,
                body: envelope.message.body.array,
                properties: MessageProperties(envelope.message.properties)
            )
        case AMQP_RESPONSE_LIBRARY_EXCEPTION where reply.library_error == AMQP_STATUS_TIMEOUT.rawValue:
            try checkBrokerSilence()
            return nil
        case AMQP_RESPONSE_LIBRARY_EXCEPTION where reply.library_error == AMQP_STATUS_UNEXPECTED_STATE.rawValue:
            // A frame other than a delivery: a confirm, a server close, a cancel, a blocked notice.
            try handleOutOfBandFrame()
            return nil
        default:
            try check(reply, "basic.consume")
            return nil
        }
    }

    public func ack(_ deliveryTag: UInt64, multiple: Bool = false) throws(AMQPError) {
        try usable()
        try status(amqp_basic_ack(state, 1, deliveryTag, multiple ? 1 : 0), "basic.ack")
    }

    /// Returns a message to its queue (`requeue`) or drops it to the queue's dead-letter exchange.
    public func reject(_ deliveryTag: UInt64, requeue: Bool) throws(AMQPError) {
        try usable()
        try status(amqp_basic_reject(state, 1, deliveryTag, requeue ? 1 : 0), "basic.reject")
    }

    /// Pulls one message (`basic.get`): for tools and tests that inspect a queue.
    public func get(_ queue: String, autoAck: Bool = false) throws(AMQPError) -> Delivery? {
        try usable()
        let arena = ByteArena()
        let reply = amqp_basic_get(state, 1, arena.bytes(queue), autoAck ? 1 : 0)
        try check(reply, "basic.get \(queue)")
        guard reply.reply.id == AMQP_BASIC_GET_OK_METHOD else { return nil }
        let ok = reply.reply.decoded.assumingMemoryBound(to: amqp_basic_get_ok_t.self).pointee
        var message = amqp_message_t()
        try check(amqp_read_message(state, 1, &message, 0), "basic.get body")
        defer { amqp_destroy_message(&message) }
        return Delivery(
            deliveryTag: ok.delivery_tag, exchange: ok.exchange.string, routingKey: ok.routing_key.string,
            redelivered: ok.redelivered != 0, body: message.body.array, properties: MessageProperties(message.properties)
        )
    }

    // MARK: - Publishing

    /// Puts `channel` in confirm mode: every publish on it is acknowledged by the broker.
    public func enableConfirms(on channel: UInt16 = 1) throws(AMQPError) {
        try usable()
        if !openChannels.contains(channel) { try openChannel(channel) }
        amqp_confirm_select(state, channel)
        try check(amqp_get_rpc_reply(state), "confirm.select")
        nextPublishTag[channel] = 1
        unconfirmed[channel] = []
    }

    /// Publishes without waiting; on a confirm channel, `waitForConfirms` then waits for the broker.
    /// `mandatory`: a message no queue takes is returned (and reported by `awaitConfirms`) rather than
    /// dropped. Returns the publish's confirm tag on a confirm channel.
    @discardableResult
    public func publish(_ message: OutgoingMessage, on channel: UInt16 = 1, mandatory: Bool = false) throws(AMQPError) -> UInt64? {
        try usable()
        let arena = ByteArena()
        var properties = arena.properties(message.properties)
        let result = message.body.withUnsafeBytes { raw -> Int32 in
            let body = amqp_bytes_t(len: raw.count, bytes: UnsafeMutableRawPointer(mutating: raw.baseAddress))
            return amqp_basic_publish(
                state, channel, arena.bytes(message.exchange), arena.bytes(message.routingKey), mandatory ? 1 : 0, 0, &properties, body
            )
        }
        try status(result, "basic.publish")
        guard let tag = nextPublishTag[channel] else { return nil }
        unconfirmed[channel, default: []].insert(tag)
        nextPublishTag[channel] = tag + 1
        return tag
    }

    /// Waits until the broker confirmed every message published on `channel` so far.
    /// Throws `publishNacked` if it refused or returned any: the caller publishes them all again.
    public func waitForConfirms(on channel: UInt16 = 1, timeout: Duration) throws(AMQPError) {
        let outcome = try awaitConfirms(on: channel, timeout: timeout)
        if !outcome.isClean { throw .publishNacked }
    }

    /// Waits until the broker settled every message published on `channel` so far, and says which it
    /// refused (a queue at its length limit) or returned (mandatory, and no queue took it).
    public func awaitConfirms(on channel: UInt16 = 1, timeout: Duration) throws(AMQPError) -> ConfirmOutcome {
        try usable()
        let deadline = ContinuousClock.now + timeout
        defer { refused = ConfirmOutcome() }
        while !(unconfirmed[channel]?.isEmpty ?? true) {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { throw fail(.timeout("publisher confirms")) }
            var frame = amqp_frame_t()
            var tv = timeval(duration: min(remaining, .milliseconds(250)))
            let result = amqp_simple_wait_frame_noblock(state, &frame, &tv)
            if result == AMQP_STATUS_TIMEOUT.rawValue {
                try checkBrokerSilence()
                try sendHeartbeatIfDue()
                continue
            }
            try status(result, "waiting for confirms")
            try handle(frame)
            // Held by an alarm, the rest would only be confirmed once it clears: give up on this connection.
            if isBlocked { throw fail(.blocked) }
        }
        return refused
    }

    // MARK: - Internals

    private func openChannel(_ channel: UInt16) throws(AMQPError) {
        amqp_channel_open(state, channel)
        try check(amqp_get_rpc_reply(state), "channel.open \(channel)")
        openChannels.insert(channel)
    }

    private func handleOutOfBandFrame() throws(AMQPError) {
        var frame = amqp_frame_t()
        var tv = timeval(duration: .zero)
        let result = amqp_simple_wait_frame_noblock(state, &frame, &tv)
        if result == AMQP_STATUS_TIMEOUT.rawValue { return }
        try status(result, "reading frame")
        try handle(frame)
    }

    private func handle(_ frame: amqp_frame_t) throws(AMQPError) {
        guard frame.frame_type == UInt8(AMQP_FRAME_METHOD) else { return }
        let method = frame.payload.method
        switch method.id {
        case EXAMHALL_BASIC_ACK:
            let ack = method.decoded.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
            settle(channel: frame.channel, tag: ack.delivery_tag, multiple: ack.multiple != 0)
        case EXAMHALL_BASIC_NACK:
            let nack = method.decoded.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
            let pending = unconfirmed[frame.channel] ?? []
            refused.nacked.formUnion(nack.multiple != 0 ? pending.filter { $0 <= nack.delivery_tag } : pending.filter { $0 == nack.delivery_tag })
            settle(channel: frame.channel, tag: nack.delivery_tag, multiple: nack.multiple != 0)
        case EXAMHALL_BASIC_DELIVER:
            // A delivery that arrived while we waited for something else: keep it for nextDelivery.
            let deliver = method.decoded.assumingMemoryBound(to: amqp_basic_deliver_t.self).pointee
            var message = amqp_message_t()
            try check(amqp_read_message(state, frame.channel, &message, 0), "reading a delivery")
            defer { amqp_destroy_message(&message) }
            buffered.append(Delivery(
                deliveryTag: deliver.delivery_tag, exchange: deliver.exchange.string, routingKey: deliver.routing_key.string,
                redelivered: deliver.redelivered != 0, body: message.body.array, properties: MessageProperties(message.properties)
            ))
        case EXAMHALL_BASIC_RETURN:
            // A mandatory message no queue took; its confirm follows. Its header and body are read so the
            // stream stays in step, and its message id tells the publisher which one it was.
            let returned = method.decoded.assumingMemoryBound(to: amqp_basic_return_t.self).pointee
            var message = amqp_message_t()
            try check(amqp_read_message(state, frame.channel, &message, 0), "reading a returned message")
            defer { amqp_destroy_message(&message) }
            refused.returned.append(ConfirmOutcome.Returned(
                messageId: MessageProperties(message.properties).messageId, reason: "\(returned.reply_code) \(returned.reply_text.string)"
            ))
        case EXAMHALL_CHANNEL_CLOSE:
            let close = method.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            forgetChannels()
            throw fail(.closedByServer(code: Int(close.reply_code), text: close.reply_text.string))
        case EXAMHALL_CONNECTION_CLOSE:
            let close = method.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            forgetChannels()
            throw fail(.closedByServer(code: Int(close.reply_code), text: close.reply_text.string))
        case EXAMHALL_BASIC_CANCEL:
            throw fail(.closedByServer(code: 0, text: "the broker cancelled the consumer (queue deleted?)"))
        case EXAMHALL_CONNECTION_BLOCKED:
            isBlocked = true
        case EXAMHALL_CONNECTION_UNBLOCKED:
            isBlocked = false
        default:
            return
        }
    }

    private func forgetChannels() { openChannels.removeAll() }

    /// rabbitmq-c sends a heartbeat only when a wait of its own runs into the moment one is due: a read
    /// that finds data at once (deliveries buffered by the prefetch) or a zero-timeout keep-alive never
    /// sends one. A consumer handling a slow batch then went silent, and the broker closed it after two
    /// heartbeats. Sending every half heartbeat, as RabbitMQ's own clients do, keeps the margin.
    private func sendHeartbeatIfDue() throws(AMQPError) {
        guard heartbeat > 0, ContinuousClock.now - lastHeartbeatSent >= .milliseconds(heartbeat * 500) else { return }
        var frame = amqp_frame_t()
        frame.frame_type = UInt8(AMQP_FRAME_HEARTBEAT)
        frame.channel = 0
        try status(amqp_send_frame(state, &frame), "sending a heartbeat")
        lastHeartbeatSent = .now
    }

    /// rabbitmq-c gives up on a silent broker two heartbeats after *it* last read the socket, and a busy
    /// owner may read it late, so a dead peer could go unnoticed for longer than two heartbeats. The
    /// kernel knows when data last arrived. RabbitMQ sends something at least every half heartbeat, so
    /// a silence of one and a half heartbeats (three missed) means the broker or the path to it is gone:
    /// noticed within two heartbeats, as `AMQPEndpoint.heartbeat` promises.
    private func checkBrokerSilence() throws(AMQPError) {
        guard heartbeat > 0 else { return }
        let silence = examhall_socket_silence_ms(amqp_get_sockfd(state))
        if silence > heartbeat * 1_500 {
            throw fail(.library("heartbeat timeout: nothing from the broker for \(silence) ms (heartbeat \(heartbeat) s)"))
        }
    }

    private func settle(channel: UInt16, tag: UInt64, multiple: Bool) {
        if multiple {
            unconfirmed[channel] = unconfirmed[channel]?.filter { $0 > tag }
        } else {
            unconfirmed[channel]?.remove(tag)
        }
    }

    private func usable() throws(AMQPError) {
        guard isOpen else { throw .library("connection closed") }
        if let brokenBy { throw brokenBy }
    }

    private func fail(_ error: AMQPError) -> AMQPError {
        if brokenBy == nil { brokenBy = error }
        return error
    }

    private func status(_ code: Int32, _ operation: String) throws(AMQPError) {
        guard code != AMQP_STATUS_OK.rawValue else { return }
        throw fail(.library("\(operation): \(String(cString: amqp_error_string2(code)))"))
    }

    private func check(_ reply: amqp_rpc_reply_t, _ operation: String) throws(AMQPError) {
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return
        case AMQP_RESPONSE_NONE:
            throw fail(.library("\(operation): missing RPC reply"))
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            throw fail(.library("\(operation): \(String(cString: amqp_error_string2(reply.library_error)))"))
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            switch reply.reply.id {
            case EXAMHALL_CONNECTION_CLOSE:
                let close = reply.reply.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
                throw fail(.closedByServer(code: Int(close.reply_code), text: "\(operation): \(close.reply_text.string)"))
            case EXAMHALL_CHANNEL_CLOSE:
                let close = reply.reply.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
                throw fail(.closedByServer(code: Int(close.reply_code), text: "\(operation): \(close.reply_text.string)"))
            default:
                throw fail(.library("\(operation): server exception \(reply.reply.id)"))
            }
        default:
            throw fail(.library("\(operation): unknown reply"))
        }
    }
}

/// What the broker did not take of the messages published since confirms were last awaited.
public struct ConfirmOutcome: Sendable, Equatable {
    public struct Returned: Sendable, Equatable {
        public var messageId: String?
        /// The broker's reply, e.g. "312 NO_ROUTE".
        public var reason: String
    }

    /// Confirm tags of messages the broker refused (basic.nack), e.g. a queue at its length limit.
    public var nacked: Set<UInt64> = []
    /// Mandatory messages no queue took.
    public var returned: [Returned] = []

    public var isClean: Bool { nacked.isEmpty && returned.isEmpty }
}

// MARK: - Bridging C values

extension timeval {
    init(duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self.init(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }
}

extension amqp_bytes_t {
    var array: [UInt8] {
        guard let bytes, len > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: len))
    }

    var string: String { String(decoding: array, as: UTF8.self) }
}

extension MessageProperties {
    init(_ properties: amqp_basic_properties_t) {
        let flags = properties._flags
        func text(_ flag: Int32, _ bytes: amqp_bytes_t) -> String? {
            flags & amqp_flags_t(flag) != 0 ? bytes.string : nil
        }
        self.init(
            messageId: text(AMQP_BASIC_MESSAGE_ID_FLAG, properties.message_id),
            type: text(AMQP_BASIC_TYPE_FLAG, properties.type),
            contentType: text(AMQP_BASIC_CONTENT_TYPE_FLAG, properties.content_type),
            correlationId: text(AMQP_BASIC_CORRELATION_ID_FLAG, properties.correlation_id),
            headers: flags & amqp_flags_t(AMQP_BASIC_HEADERS_FLAG) != 0 ? properties.headers.dictionary : [:],
            persistent: flags & amqp_flags_t(AMQP_BASIC_DELIVERY_MODE_FLAG) != 0 && properties.delivery_mode == 2
        )
    }
}

extension amqp_table_t {
    var dictionary: [String: AMQPValue] {
        var result: [String: AMQPValue] = [:]
        for index in 0..<Int(num_entries) {
            let entry = entries[index]
            result[entry.key.string] = entry.value.swiftValue
        }
        return result
    }
}

extension amqp_field_value_t {
    var swiftValue: AMQPValue {
        switch UInt32(kind) {
        case AMQP_FIELD_KIND_UTF8.rawValue, AMQP_FIELD_KIND_BYTES.rawValue: .string(value.bytes.string)
        case AMQP_FIELD_KIND_BOOLEAN.rawValue: .bool(value.boolean != 0)
        case AMQP_FIELD_KIND_I8.rawValue: .int(Int64(value.i8))
        case AMQP_FIELD_KIND_U8.rawValue: .int(Int64(value.u8))
        case AMQP_FIELD_KIND_I16.rawValue: .int(Int64(value.i16))
        case AMQP_FIELD_KIND_U16.rawValue: .int(Int64(value.u16))
        case AMQP_FIELD_KIND_I32.rawValue: .int(Int64(value.i32))
        case AMQP_FIELD_KIND_U32.rawValue: .int(Int64(value.u32))
        case AMQP_FIELD_KIND_I64.rawValue: .int(value.i64)
        case AMQP_FIELD_KIND_U64.rawValue, AMQP_FIELD_KIND_TIMESTAMP.rawValue: .int(Int64(clamping: value.u64))
        case AMQP_FIELD_KIND_F32.rawValue: .double(Double(value.f32))
        case AMQP_FIELD_KIND_F64.rawValue: .double(value.f64)
        case AMQP_FIELD_KIND_TABLE.rawValue: .table(value.table.dictionary)
        case AMQP_FIELD_KIND_ARRAY.rawValue:
            .array((0..<Int(value.array.num_entries)).map { value.array.entries[$0].swiftValue })
        default: .void
        }
    }
}

/// C copies of strings and tables that live exactly as long as one rabbitmq-c call needs them.
final class ByteArena {
    private var allocations: [UnsafeMutableRawPointer] = []

    deinit { allocations.forEach { free($0) } }

    func bytes(_ string: String) -> amqp_bytes_t {
        let utf8 = Array(string.utf8)
        guard !utf8.isEmpty else { return amqp_empty_bytes }
        let pointer = malloc(utf8.count)!
        utf8.withUnsafeBytes { pointer.copyMemory(from: $0.baseAddress!, byteCount: utf8.count) }
        allocations.append(pointer)
        return amqp_bytes_t(len: utf8.count, bytes: pointer)
    }

    func table(_ values: [String: AMQPValue]) -> amqp_table_t {
        guard !values.isEmpty else { return amqp_empty_table }
        let raw = malloc(MemoryLayout<amqp_table_entry_t>.stride * values.count)!
        allocations.append(raw)
        let entries = raw.bindMemory(to: amqp_table_entry_t.self, capacity: values.count)
        for (index, (key, value)) in values.sorted(by: { $0.key < $1.key }).enumerated() {
            (entries + index).initialize(to: amqp_table_entry_t(key: bytes(key), value: field(value)))
        }
        return amqp_table_t(num_entries: Int32(values.count), entries: entries)
    }

    private func field(_ value: AMQPValue) -> amqp_field_value_t {
        var field = amqp_field_value_t()
        switch value {
        case let .string(text):
            field.kind = UInt8(AMQP_FIELD_KIND_UTF8.rawValue)
            field.value.bytes = bytes(text)
        case let .int(number):
            field.kind = UInt8(AMQP_FIELD_KIND_I64.rawValue)
            field.value.i64 = number
        case let .bool(flag):
            field.kind = UInt8(AMQP_FIELD_KIND_BOOLEAN.rawValue)
            field.value.boolean = flag ? 1 : 0
        case let .double(number):
            field.kind = UInt8(AMQP_FIELD_KIND_F64.rawValue)
            field.value.f64 = number
        case let .table(inner):
            field.kind = UInt8(AMQP_FIELD_KIND_TABLE.rawValue)
            field.value.table = table(inner)
        case let .array(items):
            // Arrays only travel in headers we read back (x-death); flatten any we send to text.
            field.kind = UInt8(AMQP_FIELD_KIND_UTF8.rawValue)
            field.value.bytes = bytes(AMQPValue.array(items).description)
        case .void:
            field.kind = UInt8(AMQP_FIELD_KIND_VOID.rawValue)
        }
        return field
    }

    func properties(_ properties: MessageProperties) -> amqp_basic_properties_t {
        var result = amqp_basic_properties_t()
        var flags: Int32 = AMQP_BASIC_DELIVERY_MODE_FLAG
        result.delivery_mode = properties.persistent ? 2 : 1
        if let contentType = properties.contentType {
            flags |= AMQP_BASIC_CONTENT_TYPE_FLAG
            result.content_type = bytes(contentType)
        }
        if let messageId = properties.messageId {
            flags |= AMQP_BASIC_MESSAGE_ID_FLAG
            result.message_id = bytes(messageId)
        }
        if let type = properties.type {
            flags |= AMQP_BASIC_TYPE_FLAG
            result.type = bytes(type)
        }
        if let correlationId = properties.correlationId {
            flags |= AMQP_BASIC_CORRELATION_ID_FLAG
            result.correlation_id = bytes(correlationId)
        }
        if !properties.headers.isEmpty {
            flags |= AMQP_BASIC_HEADERS_FLAG
            result.headers = table(properties.headers)
        }
        result._flags = amqp_flags_t(flags)
        return result
    }
}

import NIOCore
import NIOPosix
import Synchronization

/// A TCP proxy that stands between a service and RabbitMQ or PostgreSQL and misbehaves on command:
/// it adds latency, blackholes traffic for a while, or resets every connection. The usual tools
/// (toxiproxy, tc, iptables) need privileges or downloads this project cannot assume.
///
/// A blackhole stops reading on both sides, as a network partition does: the peers' bytes pile up in
/// kernel buffers and nothing arrives until it heals, when everything arrives late but intact (TCP
/// would have retransmitted). New connections wait unanswered meanwhile, as SYNs to nowhere do.
public final class FaultProxy: Sendable {
    public let port: Int
    private let upstreamHost: String
    private let upstreamPort: Int
    private let group: MultiThreadedEventLoopGroup
    private let server: any Channel
    private let state = Mutex(State())

    struct State {
        var latency: Duration = .zero
        var blackholed = false
        /// Both ends of every proxied connection, so faults reach them all.
        var channels: [ObjectIdentifier: any Channel] = [:]
        /// Clients accepted during a blackhole, connected upstream when it heals.
        var waiting: [any Channel] = []
        /// Ends whose peer hung up during a blackhole: a partition hides the FIN too, until it heals.
        var closingAfterHeal: [any Channel] = []
        /// Every connection a client ever opened through the proxy: reconnections show here.
        var accepted = 0
    }

    /// Listens on a free local port and forwards to `upstreamHost:upstreamPort`.
    public init(upstreamHost: String = "127.0.0.1", upstreamPort: Int) throws {
        self.upstreamHost = upstreamHost
        self.upstreamPort = upstreamPort
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        self.group = group
        let box = ProxyReference()
        server = try ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { client in
                box.proxy?.accepted(client)
                return client.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: "127.0.0.1", port: 0).wait()
        port = server.localAddress?.port ?? 0
        box.proxy = self
    }

    /// Delay added to every chunk in both directions, order kept.
    public func setLatency(_ latency: Duration) {
        state.withLock { $0.latency = latency }
    }

    var latency: Duration { state.withLock { $0.latency } }

    /// Stops all traffic until `heal()`.
    public func blackhole() {
        let channels = state.withLock { state in
            state.blackholed = true
            return Array(state.channels.values)
        }
        for channel in channels { channel.setOption(.autoRead, value: false).whenFailure { _ in } }
    }

    public func heal() {
        let (channels, waiting, closing) = state.withLock { state in
            state.blackholed = false
            defer {
                state.waiting = []
                state.closingAfterHeal = []
            }
            return (Array(state.channels.values), state.waiting, state.closingAfterHeal)
        }
        for channel in channels { channel.setOption(.autoRead, value: true).whenFailure { _ in } }
        for client in waiting where client.isActive { connectUpstream(client) }
        for channel in closing { channel.close(promise: nil) }
    }

    /// Closes `channel` because its peer hung up, unless a blackhole hides that until it heals.
    fileprivate func peerClosed(_ channel: any Channel) {
        let deferred = state.withLock { state in
            if state.blackholed { state.closingAfterHeal.append(channel) }
            return state.blackholed
        }
        if !deferred { channel.close(promise: nil) }
    }

    /// Resets every open connection (RST, not FIN), as a crashed middlebox or a rebooted host does.
    public func resetAll() {
        let channels = state.withLock { Array($0.channels.values) + $0.waiting }
        for channel in channels {
            guard let socket = channel as? any SocketOptionProvider else {
                channel.close(promise: nil)
                continue
            }
            socket.setSoLinger(linger(l_onoff: 1, l_linger: 0))
                .flatMap { channel.close() }
                .whenFailure { _ in channel.close(promise: nil) }
        }
    }

    /// Open proxied connections (each counted once, not per end).
    public var connectionCount: Int { state.withLock { $0.channels.count / 2 } }

    /// Connections clients opened through the proxy so far, including closed ones.
    public var acceptedCount: Int { state.withLock { $0.accepted } }

    public func shutdown() {
        resetAll()
        try? server.close().wait()
        try? group.syncShutdownGracefully()
    }

    // MARK: - Connections

    fileprivate func accepted(_ client: any Channel) {
        let blackholed = state.withLock { state in
            state.accepted += 1
            if state.blackholed { state.waiting.append(client) }
            return state.blackholed
        }
        if !blackholed { connectUpstream(client) }
    }

    private func connectUpstream(_ client: any Channel) {
        ClientBootstrap(group: client.eventLoop)
            .channelInitializer { [self] upstream in
                upstream.eventLoop.makeCompletedFuture {
                    try upstream.pipeline.syncOperations.addHandler(ForwardingHandler(peer: client, proxy: self))
                }
            }
            .connect(host: upstreamHost, port: upstreamPort)
            .flatMap { [self] upstream in
                client.eventLoop.makeCompletedFuture {
                    try client.pipeline.syncOperations.addHandler(ForwardingHandler(peer: upstream, proxy: self))
                    let blackholed = state.withLock { state in
                        state.channels[ObjectIdentifier(client)] = client
                        state.channels[ObjectIdentifier(upstream)] = upstream
                        return state.blackholed
                    }
                    for channel in [client, upstream] {
                        channel.closeFuture.whenComplete { [self] _ in _ = state.withLock { $0.channels.removeValue(forKey: ObjectIdentifier(channel)) } }
                    }
                    if blackholed { upstream.setOption(.autoRead, value: false).whenFailure { _ in } } else { client.setOption(.autoRead, value: true).whenFailure { _ in } }
                }
            }
            .whenFailure { _ in client.close(promise: nil) }
    }
}

/// Lets the server's child initializer reach the proxy that is still being initialised.
private final class ProxyReference: @unchecked Sendable {
    var proxy: FaultProxy?
}

/// Forwards what one end reads to the other end, after the proxy's current latency. Closing either end
/// closes the other once everything read has been passed on.
private final class ForwardingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    let peer: any Channel
    let proxy: FaultProxy
    private var pending: [(due: NIODeadline, bytes: ByteBuffer)] = []
    private var drainScheduled = false
    private var closeWhenDrained = false

    init(peer: any Channel, proxy: FaultProxy) {
        self.peer = peer
        self.proxy = proxy
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        let latency = proxy.latency
        if latency == .zero, pending.isEmpty {
            peer.writeAndFlush(bytes, promise: nil)
            return
        }
        pending.append((.now() + .nanoseconds(Int64(latency.components.seconds) * 1_000_000_000 + latency.components.attoseconds / 1_000_000_000), bytes))
        scheduleDrain(context.eventLoop)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if pending.isEmpty { proxy.peerClosed(peer) } else { closeWhenDrained = true }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func scheduleDrain(_ eventLoop: any EventLoop) {
        guard !drainScheduled, let next = pending.first?.due else { return }
        drainScheduled = true
        eventLoop.assumeIsolated().scheduleTask(deadline: next) { [self] in
            drainScheduled = false
            let now = NIODeadline.now()
            while let first = pending.first, first.due <= now {
                peer.write(first.bytes, promise: nil)
                pending.removeFirst()
            }
            peer.flush()
            if pending.isEmpty, closeWhenDrained { proxy.peerClosed(peer) }
            scheduleDrain(eventLoop)
        }
    }
}

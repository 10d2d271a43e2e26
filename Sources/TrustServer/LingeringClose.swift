import NIOCore

/// Closes a connection the way RFC 9112 §9.6 asks of a server that answers before it has read the
/// whole request: first the sending side only, then, after the client stopped sending (or a short
/// while), the connection.
///
/// A server that refuses an upload answers at once (403, 413, …) and closes. Closed outright with
/// the rest of the body unread in the kernel, the socket sends a reset, and the client, still
/// writing, fails on the reset before it reads the answer: it never learns why. Lingering keeps the
/// socket open for reading (and discards what arrives) until the client closes its side or
/// ``linger`` passes, so the answer reaches the client.
final class LingeringCloseHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    /// The longest a closed connection keeps reading after its answer was sent.
    static let linger: TimeAmount = .seconds(2)

    private var lingering = false
    private var timer: Scheduled<Void>?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // After the answer, what the client still sends is read and dropped.
        guard !lingering else { return }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        guard !lingering else {
            context.read()
            return
        }
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if lingering, let event = event as? ChannelEvent, event == .inputClosed {
            context.close(mode: .all, promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard mode == .all, !lingering, context.channel.isActive else {
            context.close(mode: mode, promise: promise)
            return
        }
        lingering = true
        // Send what is queued (the answer), then end the sending side.
        context.close(mode: .output, promise: nil)
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: Self.linger) {
            loopBound.value.close(mode: .all, promise: nil)
        }
        // The caller's close completes when the connection is closed.
        if let promise { context.channel.closeFuture.cascade(to: promise) }
        context.read()
    }
}

import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// Hummingbird's HTTP/1.1 child channel with a receive allocator that may grow to
/// ``maximumReadSize`` bytes per socket read, instead of NIO's default 64 KiB.
///
/// An image upload streams gigabytes through one connection; every read is one element of the
/// request body's async sequence and one hand-off from the event loop to the handler. Reads
/// that may grow to 1 MiB cut those hand-offs sixteenfold on a fast connection. The allocator
/// is adaptive: it starts at 2 KiB and grows only while reads fill the buffer, so the many
/// small JSON requests keep small buffers.
///
/// A connection closes with a short linger (``LingeringCloseHandler``), so that a client still
/// sending a refused upload reads the refusal.
struct LargeReadHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    /// The largest buffer one socket read may fill.
    static let maximumReadSize = 1 << 20

    let http1: HTTP1Channel

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.setOption(
            ChannelOptions.recvAllocator,
            value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: Self.maximumReadSize)
        ).flatMap {
            http1.setup(channel: channel, logger: logger)
        }.flatMapThrowing { value in
            // Closest to the socket, so that it sees every close and every read.
            try channel.pipeline.syncOperations.addHandler(LingeringCloseHandler(), position: .first)
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await http1.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 whose socket reads may grow to ``LargeReadHTTP1Channel/maximumReadSize``.
    static var largeReadHTTP1: HTTPServerBuilder {
        HTTPServerBuilder { responder in
            LargeReadHTTP1Channel(http1: HTTP1Channel(responder: responder))
        }
    }
}

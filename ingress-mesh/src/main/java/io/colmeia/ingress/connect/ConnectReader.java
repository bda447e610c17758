package io.colmeia.ingress.connect;

import io.colmeia.ingress.metrics.IngressMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Reads a new connection's first packet, which must be a CONNECT of at most {@code maxSize} bytes that is
 * complete within {@code timeout} of the accept (a deadline for the whole packet, so a slowloris trickle of
 * one byte at a time gains nothing). On success it stops reading, passes a {@link ConnectRequest} down the
 * pipeline and removes itself; on failure it closes the connection and counts the reason. Nothing of a
 * refused connection ever reaches a broker.
 *
 * <p>Memory per connection is bounded: bytes accumulate only while the packet is incomplete, and the fixed
 * header's declared length is checked against {@code maxSize} as soon as it is known, so at most
 * {@code maxSize} plus one socket read is ever held.
 */
public final class ConnectReader extends ChannelInboundHandlerAdapter {

    private final int maxSize;
    private final Duration timeout;
    private final IngressMetrics metrics;
    private ByteBuf received;
    private ScheduledFuture<?> deadline;
    private boolean done;

    public ConnectReader(int maxSize, Duration timeout, IngressMetrics metrics) {
        this.maxSize = maxSize;
        this.timeout = timeout;
        this.metrics = metrics;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        deadline = ctx.executor().schedule(() -> refuse(ctx, ConnectRejection.CONNECT_TIMEOUT,
                "no complete CONNECT within " + timeout.toMillis() + " ms"), timeout.toMillis(), TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (done || !(msg instanceof ByteBuf data)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            if (received == null) {
                received = ctx.alloc().buffer(Math.min(Math.max(data.readableBytes(), 64), maxSize + 1));
            }
            received.writeBytes(data);
        } finally {
            data.release();
        }
        FrameStatus status = FirstPacketFramer.inspect(received, maxSize);
        if (status instanceof FrameStatus.Invalid invalid) {
            refuse(ctx, invalid.reason(), invalid.detail());
        } else if (status instanceof FrameStatus.Complete complete) {
            long start = System.nanoTime();
            ConnectParser.Result result = ConnectParser.parse(received.slice(received.readerIndex(), complete.length()));
            metrics.connectParsed(System.nanoTime() - start);
            if (result instanceof ConnectParser.Result.Rejected rejected) {
                refuse(ctx, rejected.reason(), rejected.detail());
            } else if (result instanceof ConnectParser.Result.Parsed parsed) {
                accept(ctx, parsed.connect());
            }
        }
    }

    private void accept(ChannelHandlerContext ctx, ConnectInfo connect) {
        done = true;
        cancelDeadline();
        ctx.channel().config().setAutoRead(false);
        ConnectRequest request = new ConnectRequest(connect, received);
        received = null;
        ctx.fireChannelRead(request);
        ctx.pipeline().remove(this);
    }

    private void refuse(ChannelHandlerContext ctx, ConnectRejection reason, String detail) {
        if (done) {
            return;
        }
        done = true;
        cancelDeadline();
        releaseReceived();
        metrics.refused(reason.label(), ctx.channel().remoteAddress(), detail);
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        refuse(ctx, ConnectRejection.TRUNCATED, received == null ? "closed before sending anything"
                : "closed after " + received.readableBytes() + " bytes of an incomplete CONNECT");
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        refuse(ctx, ConnectRejection.TRUNCATED, "connection error before CONNECT: " + cause);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelDeadline();
        releaseReceived();
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    private void releaseReceived() {
        if (received != null) {
            received.release();
            received = null;
        }
    }
}

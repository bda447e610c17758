package io.colmeia.dns.server;

import io.colmeia.dns.answer.Malformed;
import io.colmeia.dns.answer.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * First handler of a TCP connection: enforces the connection limits at accept, and a deadline for each
 * query: if no complete query arrives within the idle timeout (since the connection opened or since its
 * previous query), the connection is closed. Bytes trickling in do not extend the deadline, so a slowloris
 * client holds a slot for at most one timeout. Also pauses reading while the client does not read its
 * answers (backpressure), which the same deadline bounds.
 */
final class TcpConnectionHandler extends ChannelDuplexHandler {

    private final TcpConnectionLimits limits;
    private final QueryProcessor processor;
    private final long timeoutNanos;
    private InetAddress client;
    private boolean counted;
    private long pendingBytes;
    private ScheduledFuture<?> deadline;

    TcpConnectionHandler(TcpConnectionLimits limits, QueryProcessor processor, Duration idleTimeout) {
        this.limits = limits;
        this.processor = processor;
        this.timeoutNanos = idleTimeout.toNanos();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        client = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
        String refused = limits.acquire(client);
        if (refused != null) {
            processor.metrics().tcpRejected(refused);
            processor.rejectLog().warn("tcp-" + refused, "refused a TCP connection from {}: {}", client, refused);
            ctx.close();
            return;
        }
        counted = true;
        arm(ctx);
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof ByteBuf buf) {
            pendingBytes += buf.readableBytes();
        }
        super.channelRead(ctx, msg);
    }

    /** Called by the query handler after each complete frame (length prefix included). */
    void frameCompleted(ChannelHandlerContext ctx, int frameBytes) {
        pendingBytes = Math.max(0, pendingBytes - frameBytes);
        arm(ctx);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        ctx.channel().config().setAutoRead(ctx.channel().isWritable());
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancel();
        if (counted) {
            counted = false;
            limits.release(client);
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        processor.rejectLog().warn("tcp-error", "closing a TCP connection from {}: {}", client, cause.toString());
        ctx.close();
    }

    private void arm(ChannelHandlerContext ctx) {
        cancel();
        deadline = ctx.executor().schedule(() -> expire(ctx), timeoutNanos, TimeUnit.NANOSECONDS);
    }

    private void expire(ChannelHandlerContext ctx) {
        if (!ctx.channel().isActive()) {
            return;
        }
        if (pendingBytes > 0) {
            processor.metrics().malformed(Transport.TCP, Malformed.TCP_TIMEOUT);
            processor.rejectLog().warn("tcp-timeout", "closing a TCP connection from {}: {} bytes of an incomplete"
                    + " query after {} ms", client, pendingBytes, TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
        }
        ctx.close();
    }

    private void cancel() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }
}

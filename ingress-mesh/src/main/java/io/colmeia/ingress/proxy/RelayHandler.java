package io.colmeia.ingress.proxy;

import io.colmeia.ingress.metrics.IngressMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Copies bytes read on one channel to its peer (client → broker or broker → client), with backpressure:
 * when the peer's outbound buffer passes its high water mark (it cannot send as fast as we read), reading on
 * this side stops (autoRead off) until the peer drains below the low water mark. So a slow reader on either
 * side makes the fast side wait in its own kernel buffers, and the ingress holds at most about one water mark
 * plus one read per direction. Writes are flushed once per read batch (one write system call per batch, not per
 * packet). On the client's socket, TCP_QUICKACK is re-armed after each read batch when asked
 * ({@link Transport#quickAck}), so a client with Nagle on is never held by our delayed ACK. When either side
 * closes, the other is closed after what was already read has been flushed to it.
 */
public final class RelayHandler extends ChannelInboundHandlerAdapter {

    /** Which way this handler copies, for the byte counters. */
    public enum Direction { TO_BROKER, TO_CLIENT }

    /** Read batches smaller than this re-arm TCP_QUICKACK (when enabled). */
    static final int QUICKACK_MAX_BATCH = 1024;

    private final Channel peer;
    private final Direction direction;
    private final IngressMetrics metrics;
    private final boolean quickAck;
    private final IdleTimeout idle;
    /** Bytes read in the current read batch (event-loop confined). */
    private int batchBytes;

    /**
     * @param quickAck re-arm TCP_QUICKACK on the channel this handler reads from after every read batch
     * @param idle     the relay's idle watch, told of every read batch; null for none
     */
    public RelayHandler(Channel peer, Direction direction, IngressMetrics metrics, boolean quickAck,
                        IdleTimeout idle) {
        this.peer = peer;
        this.direction = direction;
        this.metrics = metrics;
        this.quickAck = quickAck;
        this.idle = idle;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf data) {
            batchBytes += data.readableBytes();
        }
        peer.write(msg, peer.voidPromise());
        if (!peer.isWritable() && ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(false);
            metrics.backpressurePaused();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        peer.flush();
        int bytes = batchBytes;
        batchBytes = 0;
        if (direction == Direction.TO_BROKER) {
            metrics.relayedToBroker(bytes);
        } else {
            metrics.relayedToClient(bytes);
        }
        if (idle != null) {
            idle.touch();
        }
        // Only small batches need it: a client that waits on our ACK (Nagle) has sent one small packet and
        // holds the rest. Large batches get ACKs anyway (one per two full segments), and skipping the
        // setsockopt there saves a system call and an ACK packet per batch at full speed.
        if (quickAck && bytes < QUICKACK_MAX_BATCH) {
            Transport.quickAck(ctx.channel());
        }
        ctx.fireChannelReadComplete();
    }

    /** The channel this handler writes to is {@code ctx.channel()} here: resume the peer's reading. */
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && peer.isActive() && !peer.config().isAutoRead()) {
            peer.config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (idle != null) {
            idle.stop();
        }
        closeOnFlush(peer);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
        closeOnFlush(peer);
    }

    /** Closes the channel after everything queued on it has been written. */
    static void closeOnFlush(Channel channel) {
        if (channel.isActive()) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}

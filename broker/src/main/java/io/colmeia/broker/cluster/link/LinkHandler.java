package io.colmeia.broker.cluster.link;

import io.colmeia.common.config.HostPort;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;

/**
 * One cluster link connection: runs the handshake (dialer says {@link Frame.Hello}, acceptor answers
 * {@link Frame.Welcome} or {@link Frame.Reject}), sends heartbeats when the link is quiet, closes it when the peer
 * has been silent too long, and hands every later frame to {@link LinkEvents}.
 */
final class LinkHandler extends ChannelInboundHandlerAdapter {

    private final LinkEvents events;
    private final Frame.Hello hello; // non-null on the dialer side
    private final HostPort dialed;   // non-null on the dialer side
    private String peer;
    private String closeReason;

    LinkHandler(LinkEvents events, Frame.Hello hello, HostPort dialed) {
        this.events = events;
        this.hello = hello;
        this.dialed = dialed;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (hello != null) {
            ctx.writeAndFlush(hello);
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Frame frame = (Frame) msg;
        if (peer != null) {
            if (!(frame instanceof Frame.Ping)) {
                events.onFrame(ctx.channel(), peer, frame);
            }
            return;
        }
        if (hello == null && frame instanceof Frame.Hello h) {
            Frame answer = events.onHello(ctx.channel(), h);
            if (answer instanceof Frame.Welcome) {
                ctx.writeAndFlush(answer);
                peer = h.nodeId();
                events.onLinkUp(ctx.channel(), peer, h.incarnation(), null);
            } else {
                closeReason = "refused " + h.nodeId() + ": " + ((Frame.Reject) answer).reason();
                ctx.writeAndFlush(answer).addListener(f -> ctx.close());
            }
        } else if (hello != null && frame instanceof Frame.Welcome w) {
            peer = w.nodeId();
            events.onLinkUp(ctx.channel(), peer, w.incarnation(), dialed);
        } else if (hello != null && frame instanceof Frame.Reject r) {
            closeReason = "refused by " + r.nodeId() + ": " + r.reason();
            events.onRejected(ctx.channel(), dialed, r);
            ctx.close();
        } else {
            closeReason = "protocol error: " + frame.getClass().getSimpleName() + " before the handshake";
            ctx.close();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent idle) {
            if (idle.state() == IdleState.WRITER_IDLE && peer != null) {
                ctx.writeAndFlush(new Frame.Ping());
            } else if (idle.state() == IdleState.READER_IDLE && !ctx.channel().config().isAutoRead()) {
                // this replica stopped reading the link (backpressure): the silence is ours, not the peer's
                return;
            } else if (idle.state() == IdleState.READER_IDLE) {
                closeReason = peer == null ? "handshake timed out" : "heartbeat timeout";
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (peer != null && ctx.channel().isWritable()) {
            events.onWritable(peer);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (closeReason == null) {
            closeReason = cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": "
                    + cause.getMessage());
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        events.onClosed(ctx.channel(), peer, dialed, closeReason == null ? "connection closed" : closeReason);
        ctx.fireChannelInactive();
    }
}

package io.colmeia.dns.server;

import io.colmeia.dns.answer.Malformed;
import io.colmeia.dns.answer.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.net.InetSocketAddress;
import org.xbill.DNS.Header;

/**
 * Answers each length-prefixed query of a TCP connection (RFC 7766: several queries per connection, answers
 * in order). A frame too short for a header, or a packet the answering logic drops, ends the connection.
 */
final class TcpQueryHandler extends SimpleChannelInboundHandler<ByteBuf> {

    private final QueryProcessor processor;
    private final TcpConnectionHandler connection;

    TcpQueryHandler(QueryProcessor processor, TcpConnectionHandler connection) {
        this.processor = processor;
        this.connection = connection;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
        int length = frame.readableBytes();
        connection.frameCompleted(ctx, length + 2);
        InetSocketAddress client = (InetSocketAddress) ctx.channel().remoteAddress();
        if (length < Header.LENGTH) {
            processor.metrics().malformed(Transport.TCP, Malformed.TCP_FRAME);
            processor.rejectLog().warn("tcp-frame", "closing a TCP connection from {}: a {}-byte frame", client,
                    length);
            ctx.close();
            return;
        }
        byte[] wire = processor.process(ByteBufUtil.getBytes(frame), Transport.TCP, client);
        if (wire == null) {
            ctx.close();
            return;
        }
        ByteBuf out = Unpooled.buffer(2 + wire.length);
        out.writeShort(wire.length);
        out.writeBytes(wire);
        ctx.write(out).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        processor.rejectLog().warn("tcp-error", "closing a TCP connection from {}: {}", ctx.channel().remoteAddress(),
                cause.toString());
        ctx.close();
    }
}

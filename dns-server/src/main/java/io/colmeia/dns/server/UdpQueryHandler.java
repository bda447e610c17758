package io.colmeia.dns.server;

import io.colmeia.dns.answer.Transport;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;

/** One datagram in, at most one datagram out; never closes the socket whatever arrives. Stateless: shared. */
@io.netty.channel.ChannelHandler.Sharable
final class UdpQueryHandler extends SimpleChannelInboundHandler<DatagramPacket> {

    private final QueryProcessor processor;

    UdpQueryHandler(QueryProcessor processor) {
        this.processor = processor;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
        byte[] query = ByteBufUtil.getBytes(packet.content());
        byte[] wire = processor.process(query, Transport.UDP, packet.sender());
        if (wire == null) {
            return;
        }
        if (!ctx.channel().isWritable()) {
            processor.metrics().sendFailed(Transport.UDP);
            return;
        }
        ctx.write(new DatagramPacket(Unpooled.wrappedBuffer(wire), packet.sender()))
                .addListener(f -> {
                    if (!f.isSuccess()) {
                        processor.metrics().sendFailed(Transport.UDP);
                    }
                });
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A datagram socket reports e.g. ICMP port unreachable here; the socket itself stays usable.
        processor.metrics().internalError(Transport.UDP);
        processor.rejectLog().warn("udp-error", "UDP socket error (still serving): {}", cause.toString());
    }
}

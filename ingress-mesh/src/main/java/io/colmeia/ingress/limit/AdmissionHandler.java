package io.colmeia.ingress.limit;

import io.colmeia.ingress.metrics.IngressMetrics;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * First handler of every client connection: asks {@link ConnectionLimits} whether it may stay. A refused
 * connection is counted and closed before a single byte is read; an admitted one gives its slot back when it
 * closes. Nothing is sent to a refused client: it has not spoken MQTT yet, and a reset is the cheapest answer
 * to a flood.
 */
public final class AdmissionHandler extends ChannelInboundHandlerAdapter {

    private final ConnectionLimits limits;
    private final IngressMetrics metrics;

    public AdmissionHandler(ConnectionLimits limits, IngressMetrics metrics) {
        this.limits = limits;
        this.metrics = metrics;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        metrics.accepted();
        InetAddress address = ctx.channel().remoteAddress() instanceof InetSocketAddress inet
                ? inet.getAddress() : InetAddress.getLoopbackAddress();
        ConnectionLimits.Admission admission = limits.tryAdmit(address);
        if (admission != ConnectionLimits.Admission.ADMITTED) {
            metrics.refused(admission.label(), ctx.channel().remoteAddress(), "limit reached");
            ctx.close();
            return;
        }
        ctx.channel().closeFuture().addListener(f -> limits.release(address));
        ctx.fireChannelActive();
        ctx.pipeline().remove(this);
    }
}

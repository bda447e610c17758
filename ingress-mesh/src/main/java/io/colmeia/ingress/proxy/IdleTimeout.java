package io.colmeia.ingress.proxy;

import io.colmeia.ingress.metrics.IngressMetrics;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Closes a relayed client connection on which nothing moved in either direction for the limit — a dead peer
 * whose TCP connection never said goodbye. The limit is never below twice the client's MQTT keepalive, so a
 * live client (which sends PINGREQ at least every keepalive) is never cut: the broker's own keepalive check
 * (1.5 × keepalive) always acts first.
 */
public final class IdleTimeout extends IdleStateHandler {

    private final IngressMetrics metrics;

    private IdleTimeout(long millis, IngressMetrics metrics) {
        super(0, 0, millis, TimeUnit.MILLISECONDS);
        this.metrics = metrics;
    }

    /** The idle limit for a client: max(configured, 2 × keepalive); zero means none. */
    public static Duration limit(Duration configured, int keepAliveSeconds) {
        Duration fromKeepAlive = Duration.ofSeconds(2L * Math.max(0, keepAliveSeconds));
        return configured.compareTo(fromKeepAlive) >= 0 ? configured : fromKeepAlive;
    }

    /** The handler for this limit, or null when the limit is zero (no idle timeout). */
    public static IdleTimeout of(Duration limit, IngressMetrics metrics) {
        return limit.isZero() || limit.isNegative() ? null : new IdleTimeout(limit.toMillis(), metrics);
    }

    @Override
    protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent event) {
        if (event.state() == IdleState.ALL_IDLE) {
            metrics.closed("idle_timeout");
            ctx.close();
        }
    }
}

package io.colmeia.ingress.proxy;

import io.colmeia.ingress.metrics.IngressMetrics;
import io.netty.channel.Channel;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a relayed client connection on which nothing moved in either direction for the limit — a dead peer
 * whose TCP connection never said goodbye. The limit is never below twice the client's MQTT keepalive, so a
 * live client (which sends PINGREQ at least every keepalive) is never cut: the broker's own keepalive check
 * (1.5 × keepalive) always acts first.
 *
 * <p>Cheaper than Netty's IdleStateHandler on the relay's hot path: everything the relay writes was first read
 * on the other channel, so "no traffic" means "no read on either channel", and both {@link RelayHandler}s
 * just record the time of their last read batch here (both channels share one event loop, so no
 * synchronisation). No per-write promise or listener, one pending timer per connection that re-arms itself for
 * the time left.
 */
public final class IdleTimeout implements Runnable {

    private final Channel client;
    private final long limitNanos;
    private final IngressMetrics metrics;
    private long lastActivity;
    private ScheduledFuture<?> timer;

    private IdleTimeout(Channel client, long limitNanos, IngressMetrics metrics) {
        this.client = client;
        this.limitNanos = limitNanos;
        this.metrics = metrics;
    }

    /** The idle limit for a client: max(configured, 2 × keepalive); zero means none. */
    public static Duration limit(Duration configured, int keepAliveSeconds) {
        Duration fromKeepAlive = Duration.ofSeconds(2L * Math.max(0, keepAliveSeconds));
        return configured.compareTo(fromKeepAlive) >= 0 ? configured : fromKeepAlive;
    }

    /** Starts watching {@code client} (call on its event loop); null when the limit is zero (no timeout). */
    public static IdleTimeout start(Channel client, Duration limit, IngressMetrics metrics) {
        if (limit.isZero() || limit.isNegative()) {
            return null;
        }
        IdleTimeout watch = new IdleTimeout(client, limit.toNanos(), metrics);
        watch.touch();
        watch.schedule(watch.limitNanos);
        return watch;
    }

    /** Something was read on either side of the relay. */
    void touch() {
        lastActivity = System.nanoTime();
    }

    private void schedule(long delayNanos) {
        timer = client.eventLoop().schedule(this, delayNanos, TimeUnit.NANOSECONDS);
    }

    /** The relay closed: drop the timer now, so it does not keep the closed channels reachable. */
    void stop() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    @Override
    public void run() {
        timer = null;
        if (!client.isActive()) {
            return;
        }
        long idle = System.nanoTime() - lastActivity;
        if (idle >= limitNanos) {
            metrics.closed("idle_timeout");
            client.close();
        } else {
            schedule(limitNanos - idle);
        }
    }
}

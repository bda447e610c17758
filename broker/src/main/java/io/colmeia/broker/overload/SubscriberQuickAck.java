package io.colmeia.broker.overload;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.nio.NioChannelOption;
import java.util.concurrent.atomic.AtomicBoolean;
import jdk.net.ExtendedSocketOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Acknowledges a receiving subscriber's TCP segments at once (Linux TCP_QUICKACK, re-armed after every read),
 * so that a client with Nagle's algorithm on (MQTT.js, inside Node-RED) is not held by our delayed ACK.
 *
 * <p>Why: once a subscriber's in-flight window is full the replica has nothing to send it, so our kernel delays
 * the ACK of the subscriber's PUBACK segment (40 ms or more), and Nagle keeps the subscriber's next PUBACKs in
 * its own buffer until that ACK comes. Seen on the wire and in the in-flight count: the window stuck at ~870 of
 * 1000 for 40 ms, once per window, which capped delivery near 17k msg/s with CPU to spare. The setsockopt after a
 * read sends the pending ACK at once (Linux: TCP_QUICKACK=1 flushes a scheduled delayed ACK).
 *
 * <p>Installed only on connections that are receiving QoS 1/2 messages (found by the backpressure scan), so
 * idle connections carry nothing; one shared, stateless handler. Off where the JDK cannot set the option.
 */
@ChannelHandler.Sharable
final class SubscriberQuickAck extends ChannelInboundHandlerAdapter {

    static final String NAME = "colmeia-quickack";
    private static final Logger LOG = LoggerFactory.getLogger(SubscriberQuickAck.class);
    private static final ChannelOption<Boolean> QUICKACK = quickAckOption();

    private final Counter installed;
    private final AtomicBoolean failedOnce = new AtomicBoolean();
    private volatile boolean working = QUICKACK != null;

    SubscriberQuickAck(MeterRegistry registry) {
        installed = Counter.builder("colmeia_broker_quickack_subscribers_total")
                .description("Receiving QoS 1/2 subscribers whose segments the replica acknowledges at once"
                        + " (TCP_QUICKACK re-armed after every read)").register(registry);
    }

    /** Whether this platform lets us set TCP_QUICKACK on HiveMQ's (NIO) sockets. */
    boolean available() {
        return working;
    }

    /** Adds the handler to a receiving subscriber's connection, once; safe from any thread. */
    void install(Channel channel) {
        if (!working || !channel.isActive()) {
            return;
        }
        ChannelPipeline pipeline = channel.pipeline();
        if (pipeline.get(NAME) != null) {
            return;
        }
        try {
            pipeline.addFirst(NAME, this);
            installed.increment();
            channel.eventLoop().execute(() -> arm(channel));
        } catch (IllegalArgumentException e) {
            // added concurrently by an earlier scan: nothing to do
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        arm(ctx.channel());
        ctx.fireChannelReadComplete();
    }

    private void arm(Channel channel) {
        if (!working || !channel.isActive()) {
            return;
        }
        try {
            if (!channel.config().setOption(QUICKACK, true)) {
                disable("the socket does not support it");
            }
        } catch (RuntimeException e) {
            if (channel.isActive()) { // a connection closing meanwhile says nothing about the platform
                disable(e.toString());
            }
        }
    }

    private void disable(String why) {
        if (failedOnce.compareAndSet(false, true)) {
            working = false;
            LOG.warn("cannot set TCP_QUICKACK on subscriber connections ({}): subscribers with Nagle on may wait"
                    + " for delayed ACKs", why);
        }
    }

    private static ChannelOption<Boolean> quickAckOption() {
        try {
            if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
                return null;
            }
            try (java.nio.channels.SocketChannel probe = java.nio.channels.SocketChannel.open()) {
                if (!probe.supportedOptions().contains(ExtendedSocketOptions.TCP_QUICKACK)) {
                    return null;
                }
            }
            return NioChannelOption.of(ExtendedSocketOptions.TCP_QUICKACK);
        } catch (java.io.IOException | RuntimeException | LinkageError e) {
            return null;
        }
    }
}

package io.colmeia.broker.overload;

import com.hivemq.bootstrap.ClientConnection;
import com.hivemq.bootstrap.ClientState;
import com.hivemq.configuration.service.InternalConfigurations;
import com.hivemq.embedded.EmbeddedHiveMQ;
import com.hivemq.mqtt.message.ProtocolVersion;
import com.hivemq.mqtt.services.PublishPollService;
import com.hivemq.persistence.clientqueue.ClientQueuePersistence;
import com.hivemq.persistence.connection.ConnectionPersistence;
import io.colmeia.broker.hivemq.HiveMqInjector;
import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import java.lang.reflect.Method;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What backpressure needs and HiveMQ CE's extension SDK does not offer: every client socket (to stop reading
 * it), whether a client has messages in flight, and the depth of a client's message queue. They come from
 * HiveMQ's own Guice injector (its channel group, connection registry and client-queue persistence), which
 * {@code EmbeddedHiveMQ} keeps package-private; we run HiveMQ embedded, in our JVM, so we may reach it. Pinned
 * to hivemq-community-edition-embedded 2025.5: a replica fails to start, naming this, if an upgrade moves them.
 */
public final class HiveMqInternals {

    private static final String NETTY_EVENT_LOOP_THREADS = "io.netty.eventLoopThreads";

    private final ConnectionPersistence connections;
    private final ClientQueuePersistence queues;
    private final ChannelGroup channels;
    private final PublishPollService polls;
    /** {@code ClientQueuePersistence.size}; reflective because its Guava future type is not on our compile path. */
    private final Method queueSize;

    private HiveMqInternals(ConnectionPersistence connections, ClientQueuePersistence queues, ChannelGroup channels,
                            PublishPollService polls, Method queueSize) {
        this.connections = connections;
        this.polls = polls;
        this.channels = channels;
        this.queues = queues;
        this.queueSize = queueSize;
    }

    /** Looks the services up in a started HiveMQ; fails with a clear message if this HiveMQ has no such thing. */
    public static HiveMqInternals of(EmbeddedHiveMQ hivemq) {
        try {
            return new HiveMqInternals(
                    HiveMqInjector.instance(hivemq, ConnectionPersistence.class),
                    HiveMqInjector.instance(hivemq, ClientQueuePersistence.class),
                    HiveMqInjector.instance(hivemq, ChannelGroup.class),
                    HiveMqInjector.instance(hivemq, PublishPollService.class),
                    ClientQueuePersistence.class.getMethod("size", String.class, boolean.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot reach HiveMQ's connection and queue services (needs"
                    + " hivemq-community-edition-embedded 2025.5): " + e, e);
        }
    }

    /**
     * HiveMQ sends a subscriber at most this many unacknowledged messages (MQTT 3; MQTT 5 clients set their own
     * Receive Maximum) and polls its queue in batches of that size. HiveMQ's 50 leaves a subscriber with delayed
     * ACKs (MQTT.js, Nagle on) waiting ~40 ms per batch. Must be set before HiveMQ starts; JVM-wide.
     */
    public static void setInflightWindow(int messages) {
        InternalConfigurations.MAX_INFLIGHT_WINDOW_SIZE_MESSAGES = messages;
        InternalConfigurations.PUBLISH_POLL_BATCH_SIZE = messages;
    }

    /**
     * HiveMQ creates its network event loop group with Netty's default size, which Netty reads once from the
     * {@code io.netty.eventLoopThreads} property when its event loop class is first loaded. Must be set before
     * HiveMQ starts; JVM-wide. Returns false when an explicit {@code -Dio.netty.eventLoopThreads} wins.
     */
    public static boolean setNetworkThreads(int threads) {
        if (System.getProperty(NETTY_EVENT_LOOP_THREADS) != null) {
            return false;
        }
        System.setProperty(NETTY_EVENT_LOOP_THREADS, Integer.toString(threads));
        return true;
    }

    /** Every client connection HiveMQ has open (its own channel group: no bookkeeping of ours per connection). */
    public Iterable<Channel> channels() {
        return channels;
    }

    /** The client id of a connection once it is authenticated (CONNACK on its way), else null. */
    public static String connectedClientId(Channel channel) {
        ClientConnection connection = channel.attr(ClientConnection.CHANNEL_ATTRIBUTE_NAME).get() instanceof
                ClientConnection c ? c : null;
        if (connection == null) {
            return null;
        }
        ClientState state = connection.getClientState();
        return state == ClientState.AUTHENTICATED || state == ClientState.RE_AUTHENTICATING
                ? connection.getClientId() : null;
    }

    /**
     * Drops the per-connection authenticator registry HiveMQ keeps after a client is authenticated (a read-write
     * lock and a tree map, ~190 bytes per idle connection). HiveMQ only needs it again for MQTT 5 enhanced
     * authentication (AUTH packets), which colmeia does not offer, and creates a new one if it ever does.
     */
    public static void releaseAuthenticators(Channel channel) {
        if (channel.attr(ClientConnection.CHANNEL_ATTRIBUTE_NAME).get() instanceof ClientConnection connection
                && connection.getClientState() == ClientState.AUTHENTICATED
                && connection.getExtensionClientAuthenticators() != null) {
            connection.setExtensionClientAuthenticators(null);
        }
    }

    /** The client id of a connection that has messages in flight to it (it is receiving), else null. */
    public static String receivingClientId(Channel channel) {
        if (!(channel.attr(ClientConnection.CHANNEL_ATTRIBUTE_NAME).get() instanceof ClientConnection connection)) {
            return null;
        }
        AtomicInteger inFlight = connection.getInFlightMessageCount();
        return inFlight != null && inFlight.get() > 0 ? connection.getClientId() : null;
    }

    /**
     * HiveMQ sends a subscriber a batch of up to --max-inflight queued messages and polls the next batch only once
     * every message of the batch is acknowledged. The link then idles for a round trip at the end of every batch,
     * and much longer with a client that delays its acknowledgements (MQTT.js leaves Nagle on: its last PUBACKs
     * wait for the delayed ACK of our kernel, ~40 ms, because we have nothing more to send). When an MQTT 3
     * subscriber's in-flight count is down to half the window while more messages wait in its queue, this asks
     * HiveMQ for the next batch now, on the connection's event loop, as HiveMQ does itself at zero. At most 1.5
     * windows are then in flight; MQTT 3 has no receive maximum, and MQTT 5 clients (which set one) are left alone.
     *
     * @return true when a poll was asked for
     */
    public boolean topUp(String clientId, int queued, int window) {
        ClientConnection connection = connections.get(clientId);
        if (connection == null || connection.getClientState() != ClientState.AUTHENTICATED) {
            return false;
        }
        ProtocolVersion version = connection.getProtocolVersion();
        AtomicInteger inFlight = connection.getInFlightMessageCount();
        if (version == ProtocolVersion.MQTTv5 || inFlight == null || !connection.isInFlightMessagesSent()) {
            return false;
        }
        int now = inFlight.get();
        if (now <= 0 || now > window / 2 || queued <= now) {
            return false; // at 0 HiveMQ polls by itself; nothing waits beyond what is in flight
        }
        Channel channel = connection.getChannel();
        channel.eventLoop().execute(() -> {
            int again = inFlight.get();
            if (channel.isActive() && again > 0 && again <= window / 2) {
                polls.pollNewMessages(clientId, channel);
            }
        });
        return true;
    }

    /** True while HiveMQ knows a connection of this client id (connecting, connected or being disconnected). */
    public boolean known(String clientId) {
        return connections.get(clientId) != null;
    }

    /** Messages queued for the client (not yet sent, or sent and not acknowledged); -1 when HiveMQ did not say. */
    public int queueSize(String clientId) {
        try {
            Object size = ((Future<?>) queueSize.invoke(queues, clientId, false)).get(1, TimeUnit.SECONDS);
            return size instanceof Integer n ? n : 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        } catch (Exception e) {
            return -1;
        }
    }
}

package io.colmeia.broker.telemetry;

import com.hivemq.extension.sdk.api.async.Async;
import com.hivemq.extension.sdk.api.async.TimeoutFallback;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundInput;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundOutput;
import com.hivemq.extension.sdk.api.packets.disconnect.DisconnectReasonCode;
import com.hivemq.extension.sdk.api.packets.publish.AckReasonCode;
import com.hivemq.extension.sdk.api.packets.publish.PublishPacket;
import com.hivemq.extension.sdk.api.services.intializer.ClientInitializer;
import com.hivemq.extension.sdk.api.services.session.ClientService;
import io.colmeia.broker.cluster.route.TopicFilters;
import io.colmeia.persistence.Durability;
import io.colmeia.persistence.TelemetryMessage;
import io.colmeia.persistence.TelemetrySink;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands every PUBLISH a local client sends on a matching topic to the telemetry sink. Publishes the cluster
 * link injects (copies forwarded by peers) do not pass inbound interceptors, so they are never stored twice.
 *
 * <p>With {@code ack=persisted}:
 * <ul>
 *   <li><b>QoS 1</b>: the PUBLISH is submitted and goes on at once (delivered, forwarded to peers); its PUBACK is
 *   held by the connection's {@link PubackGate} until the sink reports the message durable. A client's in-flight
 *   window thus overlaps sink round trips. If the sink refuses it later, or does not answer within the ack
 *   timeout, the client is disconnected before that PUBACK could leave, and retransmits (at least once; the
 *   deterministic {@code _id} stores it once). Delivery to subscribers does not wait for durability.</li>
 *   <li><b>QoS 2</b>: the PUBLISH itself is held (HiveMQ's async output) until durable, as the acknowledgement
 *   (PUBREC) would otherwise commit HiveMQ's exactly-once state for that packet id before the message is
 *   durable: a retransmission after a refused PUBREC would be swallowed as a duplicate.</li>
 *   <li>A refusal the sink reports at once (queue full, sink closed: the future is already failed when the
 *   interceptor runs), and every QoS 2 refusal, prevent the delivery with {@code IMPLEMENTATION_SPECIFIC_ERROR}:
 *   an MQTT 5 client gets a PUBACK/PUBREC with that reason code, HiveMQ disconnects an MQTT 3 client, and no
 *   subscriber or peer gets the message.</li>
 * </ul>
 *
 * <p>QoS 0, and every QoS with {@code ack=received}, is submitted and proceeds at once (stored when possible).
 * The tap must come before the cluster forwarder among a client's interceptors: HiveMQ calls them in the order
 * they were added and calls none after one prevented delivery, so a refused message is not forwarded.
 */
public final class TelemetryTap {

    private static final Logger LOG = LoggerFactory.getLogger(TelemetryTap.class);
    private static final byte[] EMPTY = new byte[0];
    private static final long WARN_INTERVAL_NANOS = 10_000_000_000L;

    private final TelemetrySink sink;
    private final List<String> filters;
    private final TelemetryConfig.AckMode ack;
    private final Duration ackTimeout;
    private final String nodeId;
    private final TelemetryMetrics metrics;
    private final AtomicLong lastWarn = new AtomicLong(System.nanoTime() - WARN_INTERVAL_NANOS);
    private final AtomicLong suppressed = new AtomicLong();
    /** This replica's client service, known once HiveMQ started the extension; disconnects wait for it. */
    private final CompletableFuture<ClientService> clients = new CompletableFuture<>();

    public TelemetryTap(TelemetrySink sink, TelemetryConfig config, String nodeId, MeterRegistry registry) {
        this.sink = sink;
        this.filters = config.filters();
        this.ack = config.ack();
        this.ackTimeout = config.ackTimeout();
        this.nodeId = nodeId;
        this.metrics = new TelemetryMetrics(registry);
    }

    /**
     * Adds this tap to every client (with {@code ack=persisted} also the connection's PUBACK gate); must run before
     * the cluster router's initializer.
     */
    public ClientInitializer clientInitializer() {
        return (input, context) -> {
            if (ack == TelemetryConfig.AckMode.persisted) {
                PubackGate gate = new PubackGate(input.getClientInformation().getClientId(), this, metrics,
                        ackTimeout);
                context.addPublishInboundInterceptor((in, out) -> onInboundPublish(in, out, gate));
                context.addPubackOutboundInterceptor(gate);
            } else {
                context.addPublishInboundInterceptor((in, out) -> onInboundPublish(in, out, null));
            }
        };
    }

    /** The replica's client service, used to disconnect a client whose held PUBACK cannot be honoured. */
    public void start(ClientService clientService) {
        clients.complete(clientService);
    }

    boolean tapped(String topic) {
        for (String filter : filters) {
            if (TopicFilters.matches(filter, topic)) {
                return true;
            }
        }
        return false;
    }

    void onInboundPublish(PublishInboundInput input, PublishInboundOutput output, PubackGate gate) {
        PublishPacket packet = input.getPublishPacket();
        String topic = packet.getTopic();
        if (!tapped(topic)) {
            metrics.ignored();
            return;
        }
        int qos = packet.getQos().getQosNumber();
        String clientId = input.getClientInformation().getClientId();
        TelemetryMessage message = new TelemetryMessage(topic, copy(packet), qos, clientId, nodeId, Instant.now());
        long begin = System.nanoTime();
        CompletableFuture<Durability> durable = submit(message);
        if (qos == 0 || gate == null) {
            durable.whenComplete((d, e) -> {
                metrics.outcome(d, e);
                if (e != null) {
                    warn("not stored (QoS {} PUBLISH from {} on {}, not held: {}): {}", qos, clientId, topic,
                            qos == 0 ? "QoS 0" : "ack=received", reason(e));
                }
            });
            return;
        }
        if (durable.isCompletedExceptionally()) {
            // refused at once (queue full, sink closed): the PUBLISH path can still answer with a reason code
            metrics.outcome(null, failure(durable));
            metrics.ackWait(System.nanoTime() - begin);
            warn("not acknowledging QoS {} PUBLISH from {} on {} (the client will retransmit): {}", qos, clientId,
                    topic, reason(failure(durable)));
            output.preventPublishDelivery(AckReasonCode.IMPLEMENTATION_SPECIFIC_ERROR,
                    "persistence unavailable: " + reason(failure(durable)));
            return;
        }
        if (qos == 1) {
            durable.whenComplete((d, e) -> {
                metrics.outcome(d, e);
                metrics.ackWait(System.nanoTime() - begin);
                if (e != null) {
                    warn("not acknowledging QoS 1 PUBLISH from {} on {}: disconnecting the client before its"
                            + " PUBACK, it will retransmit: {}", clientId, topic, reason(e));
                }
            });
            gate.track(packet.getPacketId(), durable, begin);
            return;
        }
        Async<PublishInboundOutput> async = output.async(ackTimeout, TimeoutFallback.FAILURE,
                AckReasonCode.IMPLEMENTATION_SPECIFIC_ERROR, "persistence did not answer within " + ackTimeout);
        durable.whenComplete((d, e) -> {
            metrics.outcome(d, e);
            metrics.ackWait(System.nanoTime() - begin);
            if (e != null) {
                warn("not acknowledging QoS {} PUBLISH from {} on {} (the client will retransmit): {}", qos,
                        clientId, topic, reason(e));
                try {
                    async.getOutput().preventPublishDelivery(AckReasonCode.IMPLEMENTATION_SPECIFIC_ERROR,
                            "persistence unavailable: " + reason(e));
                } catch (RuntimeException alreadyTimedOut) {
                    // HiveMQ's timeout fallback has prevented it already
                }
            }
            async.resume();
        });
    }

    /**
     * Disconnects {@code clientId} (MQTT 5: DISCONNECT 0x83 with {@code reason}); completes once its connection is
     * closed (or it was not connected), never exceptionally. The will is not sent: the device did nothing wrong.
     */
    CompletableFuture<Void> disconnect(String clientId, String reason) {
        metrics.refusedDisconnect();
        String text = "persistence unavailable, not acknowledged (retransmit): " + reason;
        return clients.thenCompose(service -> service.disconnectClient(clientId, true,
                        DisconnectReasonCode.IMPLEMENTATION_SPECIFIC_ERROR,
                        text.length() > 200 ? text.substring(0, 200) : text))
                .handle((done, e) -> {
                    if (e != null) {
                        LOG.error("could not disconnect {} after persistence refused its message; its PUBACK is"
                                + " released to a live connection", clientId, e);
                    }
                    return null;
                });
    }

    private static Throwable failure(CompletableFuture<?> failed) {
        try {
            failed.join();
            throw new IllegalStateException("not failed");
        } catch (CompletionException | java.util.concurrent.CancellationException e) {
            return e;
        }
    }

    private CompletableFuture<Durability> submit(TelemetryMessage message) {
        try {
            return sink.submit(message);
        } catch (RuntimeException e) { // the contract says never; a broken sink must not ack anything
            LOG.error("the telemetry sink threw on submit", e);
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The payload bytes, copied: HiveMQ may reuse its buffer once the interceptor returns. */
    private static byte[] copy(PublishPacket packet) {
        return packet.getPayload().map(buffer -> {
            ByteBuffer view = buffer.asReadOnlyBuffer();
            byte[] bytes = new byte[view.remaining()];
            view.get(bytes);
            return bytes;
        }).orElse(EMPTY);
    }

    /** Logs at most one refusal every {@link #WARN_INTERVAL_NANOS}, with how many were not logged since. */
    private void warn(String format, Object... args) {
        long now = System.nanoTime();
        long last = lastWarn.get();
        if (now - last < WARN_INTERVAL_NANOS || !lastWarn.compareAndSet(last, now)) {
            suppressed.incrementAndGet();
            return;
        }
        long more = suppressed.getAndSet(0);
        LOG.warn(format + (more > 0 ? " (" + more + " similar since the last such line)" : ""), args);
    }

    static String reason(Throwable e) {
        Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (t instanceof java.util.concurrent.TimeoutException) {
            return "persistence did not answer within the ack timeout";
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}

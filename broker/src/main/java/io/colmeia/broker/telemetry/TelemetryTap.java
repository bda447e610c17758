package io.colmeia.broker.telemetry;

import com.hivemq.extension.sdk.api.async.Async;
import com.hivemq.extension.sdk.api.async.TimeoutFallback;
import com.hivemq.extension.sdk.api.interceptor.publish.PublishInboundInterceptor;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundInput;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundOutput;
import com.hivemq.extension.sdk.api.packets.publish.AckReasonCode;
import com.hivemq.extension.sdk.api.packets.publish.PublishPacket;
import com.hivemq.extension.sdk.api.services.intializer.ClientInitializer;
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
 * <p>With {@code ack=persisted}, a QoS 1/2 PUBLISH is held (HiveMQ's async output) until the sink reports it
 * durable; then it proceeds: acknowledged, delivered, forwarded to peers. If the sink refuses it or does not
 * answer within the ack timeout, its delivery is prevented with {@code IMPLEMENTATION_SPECIFIC_ERROR}: an MQTT 5
 * client gets a PUBACK/PUBREC with that reason code, HiveMQ disconnects an MQTT 3 client (a 3.1.1 PUBACK has no
 * error code), and no subscriber or peer gets the message. The device retransmits.
 *
 * <p>QoS 0, and every QoS with {@code ack=received}, is submitted and proceeds at once (stored when possible).
 * The tap must come before the cluster forwarder among a client's interceptors: HiveMQ calls them in the order
 * they were added and calls none after one prevented delivery, so a refused message is not forwarded.
 */
public final class TelemetryTap implements PublishInboundInterceptor {

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

    public TelemetryTap(TelemetrySink sink, TelemetryConfig config, String nodeId, MeterRegistry registry) {
        this.sink = sink;
        this.filters = config.filters();
        this.ack = config.ack();
        this.ackTimeout = config.ackTimeout();
        this.nodeId = nodeId;
        this.metrics = new TelemetryMetrics(registry);
    }

    /** Adds this tap to every client; must run before the cluster router's initializer. */
    public ClientInitializer clientInitializer() {
        return (input, context) -> context.addPublishInboundInterceptor(this);
    }

    boolean tapped(String topic) {
        for (String filter : filters) {
            if (TopicFilters.matches(filter, topic)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void onInboundPublish(PublishInboundInput input, PublishInboundOutput output) {
        PublishPacket packet = input.getPublishPacket();
        String topic = packet.getTopic();
        if (!tapped(topic)) {
            metrics.ignored();
            return;
        }
        int qos = packet.getQos().getQosNumber();
        String clientId = input.getClientInformation().getClientId();
        TelemetryMessage message = new TelemetryMessage(topic, copy(packet), qos, clientId, nodeId, Instant.now());
        CompletableFuture<Durability> durable = submit(message);
        if (qos == 0 || ack == TelemetryConfig.AckMode.received) {
            durable.whenComplete((d, e) -> {
                metrics.outcome(d, e);
                if (e != null) {
                    warn("not stored (QoS {} PUBLISH from {} on {}, not held: {}): {}", qos, clientId, topic,
                            qos == 0 ? "QoS 0" : "ack=received", reason(e));
                }
            });
            return;
        }
        long begin = System.nanoTime();
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

    private static String reason(Throwable e) {
        Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}

package io.colmeia.broker.telemetry;

import com.hivemq.extension.sdk.api.async.Async;
import com.hivemq.extension.sdk.api.interceptor.puback.PubackOutboundInterceptor;
import com.hivemq.extension.sdk.api.interceptor.puback.parameter.PubackOutboundInput;
import com.hivemq.extension.sdk.api.interceptor.puback.parameter.PubackOutboundOutput;
import io.colmeia.persistence.Durability;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One connection's QoS 1 PUBACKs with {@code ack=persisted}: the PUBACK for packet id N leaves only once the sink
 * reported the PUBLISH it answers durable. The PUBLISH itself is not held (its interceptor returns at once), so a
 * client's whole in-flight window is in the sink at the same time instead of one message per sink round trip.
 *
 * <p>Order: HiveMQ runs a client's interceptor tasks one at a time, in the order it hands them over, and writes
 * each released PUBACK on the connection's event loop in release order. Holding one PUBACK therefore holds the
 * ones HiveMQ emitted after it: PUBACKs leave in HiveMQ's order (the order of the PUBLISHes), never reordered by
 * when the sink answers. The same per-client queue also carries the client's next PUBLISH interceptions, which
 * wait behind a held PUBACK; the messages already submitted still overlap in the sink.
 *
 * <p>Failure: HiveMQ does not let an interceptor turn a successful PUBACK into an error one ("reason code must not
 * switch from successful to unsuccessful"), and an MQTT 3.1.1 PUBACK has no error code at all. So when the sink
 * refuses a message or does not answer within {@code --telemetry-ack-timeout}, the client is disconnected (MQTT 5:
 * DISCONNECT with reason code 0x83 and a reason string) and the held PUBACK is released only after the connection
 * is closed: it never reaches the client, which retransmits. (Refusals the sink reports while the PUBLISH is still
 * being intercepted, such as a full queue, get the PUBLISH path's PUBACK 0x83 instead: see {@link TelemetryTap}.)
 *
 * <p>State lives in this object, created per connection by the tap's client initializer: when the connection
 * ends, HiveMQ drops its interceptors and with them every tracked future. Packet ids are reused by clients only
 * after their PUBACK; a retransmitted id (DUP) while the first is still tracked queues behind it.
 */
final class PubackGate implements PubackOutboundInterceptor {

    /** HiveMQ's own async timeout releases a PUBACK unchanged: ours must always fire first. */
    private static final Duration HIVEMQ_TIMEOUT_SLACK = Duration.ofSeconds(30);

    private final String clientId;
    private final TelemetryTap tap;
    private final TelemetryMetrics metrics;
    private final long ackTimeoutNanos;
    /** Guarded by this: futures of tracked PUBLISHes by packet id, oldest first. */
    private final Map<Integer, ArrayDeque<Tracked>> tracked = new HashMap<>();
    /** Guarded by this: the disconnect this connection is going through, or null. */
    private CompletableFuture<Void> disconnecting;

    private record Tracked(CompletableFuture<Durability> durable, long submittedNanos) {
    }

    PubackGate(String clientId, TelemetryTap tap, TelemetryMetrics metrics, Duration ackTimeout) {
        this.clientId = clientId;
        this.tap = tap;
        this.metrics = metrics;
        this.ackTimeoutNanos = ackTimeout.toNanos();
    }

    /** The PUBLISH with {@code packetId} was submitted; its PUBACK waits for {@code durable}. */
    synchronized void track(int packetId, CompletableFuture<Durability> durable, long submittedNanos) {
        tracked.computeIfAbsent(packetId, id -> new ArrayDeque<>(1)).addLast(new Tracked(durable, submittedNanos));
    }

    private synchronized Tracked take(int packetId) {
        ArrayDeque<Tracked> forId = tracked.get(packetId);
        if (forId == null) {
            return null;
        }
        Tracked first = forId.pollFirst();
        if (forId.isEmpty()) {
            tracked.remove(packetId);
        }
        return first;
    }

    /** PUBLISHes submitted whose PUBACK HiveMQ has not sent yet (for tests). */
    synchronized int trackedCount() {
        return tracked.values().stream().mapToInt(ArrayDeque::size).sum();
    }

    @Override
    public void onOutboundPuback(PubackOutboundInput input, PubackOutboundOutput output) {
        Tracked publish = take(input.getPubackPacket().getPacketIdentifier());
        if (publish == null) {
            // a PUBLISH the tap did not hold: untapped topic, refused earlier (ACL), or the tap's own 0x83 path
            metrics.puback("untracked");
            return;
        }
        if (isError(input)) {
            // HiveMQ or an earlier interceptor refused the PUBLISH already: the client retransmits anyway
            metrics.puback("error_already");
            return;
        }
        CompletableFuture<Durability> durable = publish.durable();
        if (durable.isDone() && !durable.isCompletedExceptionally()) {
            metrics.puback("durable_already");
            return;
        }
        long heldSince = System.nanoTime();
        long remaining = Math.max(0, ackTimeoutNanos - (heldSince - publish.submittedNanos()));
        Async<PubackOutboundOutput> async = output.async(Duration.ofNanos(remaining).plus(HIVEMQ_TIMEOUT_SLACK));
        CompletableFuture<Durability> bounded = durable.isDone() ? durable
                : durable.copy().orTimeout(Math.max(remaining, 1), TimeUnit.NANOSECONDS);
        bounded.whenComplete((how, failure) -> {
            if (failure == null) {
                metrics.puback("held");
                metrics.pubackHold(System.nanoTime() - heldSince);
                async.resume();
                return;
            }
            metrics.puback("refused");
            // resumed only once the connection is closed: the PUBACK goes nowhere
            disconnect(TelemetryTap.reason(failure)).whenComplete((v, e) -> {
                metrics.pubackHold(System.nanoTime() - heldSince);
                async.resume();
            });
        });
    }

    private static boolean isError(PubackOutboundInput input) {
        return switch (input.getPubackPacket().getReasonCode()) {
            case SUCCESS, NO_MATCHING_SUBSCRIBERS -> false;
            default -> true;
        };
    }

    /** One disconnect per connection, however many of its PUBACKs fail. */
    private CompletableFuture<Void> disconnect(String reason) {
        synchronized (this) {
            if (disconnecting == null) {
                disconnecting = tap.disconnect(clientId, reason);
            }
            return disconnecting;
        }
    }
}

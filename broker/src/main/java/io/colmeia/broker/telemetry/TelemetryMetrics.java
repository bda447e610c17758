package io.colmeia.broker.telemetry;

import io.colmeia.persistence.Durability;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The tap's meters ({@code colmeia_broker_telemetry_*}); the process registry adds the {@code node} label.
 * An invalid payload is counted here as {@code rejected} (its rejection record is durable in
 * {@code telemetry_rejected}, so it was acknowledged); why it was rejected is counted by the sink
 * ({@code colmeia_persistence_rejected_total{field,reason}}).
 */
final class TelemetryMetrics {

    private final Map<Durability, Counter> durable = new EnumMap<>(Durability.class);
    private final Counter failed;
    private final Counter ignored;
    private final Timer ackWait;
    private final Map<String, Counter> pubacks = new java.util.concurrent.ConcurrentHashMap<>();
    private final MeterRegistry registry;
    private final Timer pubackHold;
    private final Counter refusedDisconnects;

    TelemetryMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (Durability d : Durability.values()) {
            durable.put(d, tapped(registry, d.name().toLowerCase(java.util.Locale.ROOT)));
        }
        failed = tapped(registry, "failed");
        ignored = Counter.builder("colmeia_broker_telemetry_ignored_total")
                .description("Client PUBLISHes whose topic matches no --telemetry-filter (not handed to the sink)")
                .register(registry);
        ackWait = Timer.builder("colmeia_broker_telemetry_ack_wait")
                .description("Time from handing a QoS 1/2 PUBLISH to the sink until the sink answered, durable or"
                        + " refused (ack=persisted)")
                .publishPercentileHistogram()
                .register(registry);
        pubackHold = Timer.builder("colmeia_broker_telemetry_puback_hold")
                .description("Time a QoS 1 PUBACK was held after HiveMQ produced it, until the sink reported its PUBLISH"
                        + " durable (or the client was disconnected); ack=persisted")
                .publishPercentileHistogram()
                .register(registry);
        refusedDisconnects = Counter.builder("colmeia_broker_telemetry_refused_disconnects_total")
                .description("Clients disconnected because persistence refused (or timed out on) a QoS 1 PUBLISH whose"
                        + " PUBACK was held: the PUBACK never reaches them, they retransmit")
                .register(registry);
        for (String path : new String[] {"durable_already", "held", "refused", "untracked", "error_already"}) {
            puback(path, 0);
        }
    }

    private static Counter tapped(MeterRegistry registry, String outcome) {
        return Counter.builder("colmeia_broker_telemetry_tapped_total")
                .description("Client PUBLISHes handed to the telemetry sink, by outcome: stored, duplicate, spooled,"
                        + " rejected (durable: invalid payload kept in telemetry_rejected) or failed (not durable: with ack=persisted a QoS 1/2 publish is refused)")
                .tag("outcome", outcome)
                .register(registry);
    }

    void outcome(Durability durability, Throwable failure) {
        if (failure != null || durability == null) {
            failed.increment();
        } else {
            durable.get(durability).increment();
        }
    }

    /** A QoS 1 PUBACK passed the gate: {@code path} says how (see docs/metrics.md). */
    void puback(String path) {
        puback(path, 1);
    }

    private void puback(String path, int n) {
        pubacks.computeIfAbsent(path, p -> Counter.builder("colmeia_broker_telemetry_pubacks_total")
                .description("QoS 1 PUBACKs seen by the ack=persisted gate, by path: durable_already (sent at once),"
                        + " held (waited for the sink), refused (client disconnected instead), untracked (a PUBLISH"
                        + " the tap did not hold), error_already (HiveMQ refused the PUBLISH itself)")
                .tag("path", p)
                .register(registry)).increment(n);
    }

    void pubackHold(long nanos) {
        pubackHold.record(nanos, TimeUnit.NANOSECONDS);
    }

    void refusedDisconnect() {
        refusedDisconnects.increment();
    }

    void ignored() {
        ignored.increment();
    }

    void ackWait(long nanos) {
        ackWait.record(nanos, TimeUnit.NANOSECONDS);
    }
}

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

    TelemetryMetrics(MeterRegistry registry) {
        for (Durability d : Durability.values()) {
            durable.put(d, tapped(registry, d.name().toLowerCase(java.util.Locale.ROOT)));
        }
        failed = tapped(registry, "failed");
        ignored = Counter.builder("colmeia_broker_telemetry_ignored_total")
                .description("Client PUBLISHes whose topic matches no --telemetry-filter (not handed to the sink)")
                .register(registry);
        ackWait = Timer.builder("colmeia_broker_telemetry_ack_wait")
                .description("Time a QoS 1/2 PUBLISH waited for the sink before it was acknowledged or refused"
                        + " (ack=persisted)")
                .publishPercentileHistogram()
                .register(registry);
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

    void ignored() {
        ignored.increment();
    }

    void ackWait(long nanos) {
        ackWait.record(nanos, TimeUnit.NANOSECONDS);
    }
}

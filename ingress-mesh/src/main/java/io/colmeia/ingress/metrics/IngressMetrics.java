package io.colmeia.ingress.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.net.SocketAddress;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every meter of the ingress, named {@code colmeia_ingress_*} (Prometheus conventions; the registry adds the
 * {@code node} label). Refusals and closes are counted by reason and logged at most once per reason per
 * window. Thread-safe; cheap enough to call from the event loop.
 */
public final class IngressMetrics {

    private static final Logger LOG = LoggerFactory.getLogger("io.colmeia.ingress.Refusals");
    private static final long LOG_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final MeterRegistry registry;
    private final RateLimitedLog refusalLog;
    private final Counter accepted;
    private final Counter bytesToBroker;
    private final Counter bytesToClient;
    private final Counter backpressurePauses;
    private final Timer connectParse;
    private final ConcurrentMap<String, Counter> refusals = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Counter> closes = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, List<Meter>> replicaMeters = new ConcurrentHashMap<>();

    public IngressMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.refusalLog = new RateLimitedLog(LOG, LOG_WINDOW_NANOS, System::nanoTime);
        accepted = Counter.builder("colmeia_ingress_connections_accepted_total")
                .description("TCP connections accepted from clients (before limits and CONNECT checks)")
                .register(registry);
        bytesToBroker = Counter.builder("colmeia_ingress_relayed_bytes_total").tag("direction", "to_broker")
                .description("Bytes relayed between clients and broker replicas, by direction")
                .register(registry);
        bytesToClient = Counter.builder("colmeia_ingress_relayed_bytes_total").tag("direction", "to_client")
                .description("Bytes relayed between clients and broker replicas, by direction")
                .register(registry);
        backpressurePauses = Counter.builder("colmeia_ingress_backpressure_pauses_total")
                .description("Times reading from one side was paused because the other side could not keep up")
                .register(registry);
        connectParse = Timer.builder("colmeia_ingress_connect_parse_seconds")
                .description("Time spent decoding a client's CONNECT")
                .register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** Registers a gauge for the whole process, e.g. active connections; the function is read at scrape. */
    public <T> void gauge(String name, String description, T source, ToDoubleFunction<T> value) {
        Gauge.builder(name, source, value).description(description).register(registry);
    }

    public void accepted() {
        accepted.increment();
    }

    /**
     * A connection refused before it reached a replica. Counted in
     * {@code colmeia_ingress_refusals_total{reason}} and logged (rate-limited) with the client address.
     */
    public void refused(String reason, SocketAddress client, String detail) {
        refusalCounter(reason).increment();
        refusalLog.warn("refused:" + reason, "refused client " + client + ": " + reason + " (" + detail + ")");
    }

    /**
     * Registers the refusal counter of every reason the ingress knows at 0, so that it is exposed from the start:
     * a rate or an alert sees the first refusal instead of a series that appears only with it.
     */
    public void knownRefusals(Collection<String> reasons) {
        reasons.forEach(this::refusalCounter);
    }

    private Counter refusalCounter(String reason) {
        return refusals.computeIfAbsent(reason, r -> Counter.builder("colmeia_ingress_refusals_total")
                .tag("reason", r).description("Client connections refused by the ingress, by reason")
                .register(registry));
    }

    /** An established relay closed by the ingress itself (idle timeout, drain), by reason. */
    public void closed(String reason) {
        closes.computeIfAbsent(reason, r -> Counter.builder("colmeia_ingress_closed_total").tag("reason", r)
                .description("Relayed connections closed by the ingress itself, by reason").register(registry))
                .increment();
    }

    public void relayedToBroker(int bytes) {
        bytesToBroker.increment(bytes);
    }

    public void relayedToClient(int bytes) {
        bytesToClient.increment(bytes);
    }

    public void backpressurePaused() {
        backpressurePauses.increment();
    }

    public void connectParsed(long nanos) {
        connectParse.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Logs a noteworthy event about a replica or a backend at most once per key per window. */
    public void warnRateLimited(String key, String message) {
        refusalLog.warn(key, message);
    }

    /**
     * Meters of one replica: health (1/0), slow-start weight (0..1), active and total proxied connections,
     * failed backend connects.
     * {@code replica} is the label value; the functions are applied to {@code state} at scrape. Micrometer
     * holds {@code state} weakly, so it must be an object the caller keeps (the replica itself).
     */
    public <T> void registerReplica(String replica, T state, Predicate<T> healthy, ToDoubleFunction<T> weight,
                                    ToDoubleFunction<T> active, ToDoubleFunction<T> total,
                                    ToDoubleFunction<T> connectFailures) {
        replicaMeters.computeIfAbsent(replica, r -> List.of(
                Gauge.builder("colmeia_ingress_replica_healthy", state, s -> healthy.test(s) ? 1 : 0)
                        .tag("replica", r).description("1 when the replica passed its MQTT health probe, else 0")
                        .register(registry),
                Gauge.builder("colmeia_ingress_replica_weight", state, weight)
                        .tag("replica", r).description("Share of its new clients the replica takes now: 0 down,"
                                + " rising from 0 to 1 during slow start, 1 fully ramped")
                        .register(registry),
                Gauge.builder("colmeia_ingress_replica_connections_active", state, active)
                        .tag("replica", r).description("Client connections currently relayed to the replica")
                        .register(registry),
                FunctionCounter.builder("colmeia_ingress_replica_connections_total", state, total)
                        .tag("replica", r).description("Client connections relayed to the replica since start")
                        .register(registry),
                FunctionCounter.builder("colmeia_ingress_replica_connect_failures_total", state, connectFailures)
                        .tag("replica", r)
                        .description("Backend connections to the replica that failed (refused, timeout)")
                        .register(registry)));
    }

    /** Drops the meters of a replica that left the replica set (e.g. gone from DNS). */
    public void unregisterReplica(String replica) {
        List<Meter> meters = replicaMeters.remove(replica);
        if (meters != null) {
            meters.forEach(registry::remove);
        }
    }

    /** For tests and logs: the current count of refusals for a reason. */
    public double refusals(String reason) {
        Counter c = refusals.get(reason);
        return c == null ? 0 : c.count();
    }

    public double closes(String reason) {
        Counter c = closes.get(reason);
        return c == null ? 0 : c.count();
    }

    public double backpressurePauses() {
        return backpressurePauses.count();
    }

    public double relayedBytes() {
        return bytesToBroker.count() + bytesToClient.count();
    }
}

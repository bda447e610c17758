package io.colmeia.dns.health;

import io.colmeia.dns.metrics.DnsMetrics;
import io.colmeia.dns.zone.Endpoint;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes every ingress node itself, every interval, and publishes the nodes the DNS answers: the healthy
 * ones, or all of them when none is healthy (an answer that may work beats no answer). A node goes down
 * after {@code fall} failed probes in a row and comes back after {@code rise} good ones; a node never
 * probed yet counts as down until its first probe (run at once when it appears). Probes run on a small
 * pool, at most one in flight per node, each bounded by the probe timeout.
 */
public final class HealthChecker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HealthChecker.class);
    private static final int PROBE_THREADS = 8;

    /** Probe and discovery timing and thresholds. */
    public record Settings(Duration interval, Duration timeout, int rise, int fall, Duration discoveryInterval) {
        public Settings {
            if (interval.toMillis() < 10 || timeout.toMillis() < 1 || discoveryInterval.toMillis() < 10) {
                throw new IllegalArgumentException("intervals must be at least 10 ms and the timeout at least 1 ms");
            }
            if (rise < 1 || rise > 100 || fall < 1 || fall > 100) {
                throw new IllegalArgumentException("rise and fall must be 1..100");
            }
        }
    }

    /** What is known of one node. */
    public record NodeHealth(Endpoint node, boolean healthy, boolean probed, String detail) {
    }

    private final NodeSource source;
    private final Prober prober;
    private final Settings settings;
    private final Consumer<List<Endpoint>> onServingChange;
    private final DnsMetrics metrics;
    private final Map<Endpoint, State> states = new ConcurrentHashMap<>();
    private final ScheduledExecutorService scheduler;
    private final ExecutorService probes;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile List<Endpoint> serving = List.of();
    private volatile boolean firstRoundDone;
    private long lastDiscoveryNanos;

    public HealthChecker(NodeSource source, Prober prober, Settings settings, DnsMetrics metrics,
                         Consumer<List<Endpoint>> onServingChange) {
        this.source = source;
        this.prober = prober;
        this.settings = settings;
        this.metrics = metrics;
        this.onServingChange = onServingChange;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(daemon("dns-health"));
        this.probes = Executors.newFixedThreadPool(PROBE_THREADS, daemon("dns-probe"));
        Gauge.builder("colmeia_dns_ingress_nodes", () -> states.size())
                .description("Ingress nodes known (configured or discovered)").register(metrics.registry());
        Gauge.builder("colmeia_dns_ingress_nodes_healthy",
                        () -> states.values().stream().filter(s -> s.healthy).count())
                .description("Ingress nodes whose last probes succeeded").register(metrics.registry());
        Gauge.builder("colmeia_dns_ingress_nodes_answered", () -> serving.size())
                .description("Ingress nodes the service name answers now (healthy ones, or all when none is)")
                .register(metrics.registry());
    }

    /**
     * Learns the nodes, probes each once (waiting at most the probe timeout plus a second), publishes the
     * result, then keeps probing every interval.
     */
    public void start() throws InterruptedException {
        discover();
        CountDownLatch first = new CountDownLatch(states.size());
        for (State state : states.values()) {
            submit(state, first::countDown);
        }
        first.await(settings.timeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        firstRoundDone = true;
        publish();
        long period = settings.interval().toMillis();
        scheduler.scheduleWithFixedDelay(this::round, period, period, TimeUnit.MILLISECONDS);
    }

    /** The nodes answered now. */
    public List<Endpoint> serving() {
        return serving;
    }

    /** Everything known about every node, in address order. */
    public List<NodeHealth> nodes() {
        List<NodeHealth> out = new ArrayList<>();
        for (Endpoint node : new TreeSet<>(states.keySet())) {
            State s = states.get(node);
            if (s != null) {
                out.add(new NodeHealth(node, s.healthy, s.probed, s.detail));
            }
        }
        return out;
    }

    private void round() {
        try {
            if (source.dynamic()
                    && System.nanoTime() - lastDiscoveryNanos >= settings.discoveryInterval().toNanos()) {
                discover();
            }
            for (State state : states.values()) {
                submit(state, () -> { });
            }
        } catch (RuntimeException e) {
            LOG.warn("health round failed: {}", e.toString());
        }
    }

    private void discover() {
        lastDiscoveryNanos = System.nanoTime();
        List<Endpoint> found;
        try {
            found = source.nodes();
        } catch (Exception e) {
            LOG.warn("cannot learn the ingress nodes from {} ({}); keeping the {} known", source.describe(),
                    e.toString(), states.size());
            return;
        }
        Set<Endpoint> now = Set.copyOf(found);
        boolean changed = false;
        for (Endpoint node : now) {
            if (!states.containsKey(node)) {
                State state = new State(node);
                states.put(node, state);
                state.gauge = Gauge.builder("colmeia_dns_ingress_node_healthy", () -> state.healthy ? 1 : 0)
                        .description("1 when this ingress node's probes succeed, else 0")
                        .tag("target", node.toString()).register(metrics.registry());
                LOG.info("ingress node {} added (from {})", node, source.describe());
                changed = true;
            }
        }
        for (Endpoint node : List.copyOf(states.keySet())) {
            if (!now.contains(node)) {
                State gone = states.remove(node);
                if (gone != null && gone.gauge != null) {
                    metrics.registry().remove(gone.gauge);
                }
                LOG.info("ingress node {} removed (no longer in {})", node, source.describe());
                changed = true;
            }
        }
        if (changed) {
            publish();
        }
    }

    private void submit(State state, Runnable done) {
        if (closed.get() || !state.inFlight.compareAndSet(false, true)) {
            done.run();
            return;
        }
        try {
            probes.execute(() -> {
                try {
                    Prober.Result result = prober.probe(state.node, settings.timeout());
                    record(state, result);
                } catch (RuntimeException e) {
                    record(state, new Prober.Result(false, e.toString()));
                } finally {
                    state.inFlight.set(false);
                    done.run();
                }
            });
        } catch (RejectedExecutionException e) {
            state.inFlight.set(false);
            done.run();
        }
    }

    private void record(State state, Prober.Result result) {
        metrics.probe(state.node.toString(), result.healthy());
        boolean transition;
        synchronized (state) {
            state.detail = result.detail();
            boolean wasProbed = state.probed;
            state.probed = true;
            if (result.healthy()) {
                state.failures = 0;
                state.successes++;
                transition = !state.healthy && (!wasProbed || state.successes >= settings.rise());
            } else {
                state.successes = 0;
                state.failures++;
                transition = state.healthy && state.failures >= settings.fall();
            }
            if (transition) {
                state.healthy = !state.healthy;
            }
        }
        if (transition) {
            if (state.healthy) {
                LOG.info("ingress node {} is UP: {}", state.node, result.detail());
            } else {
                LOG.warn("ingress node {} is DOWN: {}", state.node, result.detail());
            }
            publish();
        } else if (!result.healthy() && state.failures == 1 && !state.healthy) {
            LOG.debug("ingress node {} still down: {}", state.node, result.detail());
        }
    }

    private synchronized void publish() {
        if (!firstRoundDone) {
            return; // start() publishes once every node has had its first probe
        }
        List<Endpoint> healthy = new ArrayList<>();
        List<Endpoint> all = new ArrayList<>();
        for (Endpoint node : new TreeSet<>(states.keySet())) {
            State s = states.get(node);
            if (s == null) {
                continue;
            }
            all.add(node);
            if (s.healthy) {
                healthy.add(node);
            }
        }
        List<Endpoint> next = healthy.isEmpty() ? List.copyOf(all) : List.copyOf(healthy);
        if (healthy.isEmpty() && !all.isEmpty() && !next.equals(serving)) {
            LOG.warn("no ingress node is healthy; answering all {} so that clients can still try", all.size());
        }
        if (!next.equals(serving)) {
            serving = next;
            onServingChange.accept(next);
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        scheduler.shutdownNow();
        probes.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
            probes.awaitTermination(settings.timeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private static final class State {
        final Endpoint node;
        final AtomicBoolean inFlight = new AtomicBoolean();
        volatile boolean healthy;
        volatile boolean probed;
        volatile String detail = "not probed yet";
        int successes;
        int failures;
        Gauge gauge;

        State(Endpoint node) {
            this.node = node;
        }
    }
}

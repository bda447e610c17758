package io.colmeia.ingress.health;

import io.colmeia.common.probe.MqttProbe;
import io.colmeia.ingress.balance.Replica;
import io.colmeia.ingress.balance.ReplicaSet;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes every replica with a real MQTT CONNECT/CONNACK ({@link MqttProbe}) every interval. Probes are
 * blocking, so they run on their own small thread pool, never on an event loop; at most one probe per
 * replica runs at a time, so a frozen replica (SIGSTOP: the kernel still accepts TCP, nothing answers) costs
 * one thread for at most the probe timeout and is marked down after the configured number of failures.
 *
 * <p>A failed probe of a healthy replica is repeated at once rather than after the interval, so the failures
 * that mark it down follow each other: a frozen replica is out about interval + failures × timeout after it
 * froze at worst, while a single slow answer (a GC pause) still does not take it out.
 */
public final class HealthChecker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HealthChecker.class);

    private final ReplicaSet replicas;
    private final Duration interval;
    private final Duration timeout;
    private final int failuresToMarkDown;
    private final String probeClientId;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService probes;

    public HealthChecker(ReplicaSet replicas, Duration interval, Duration timeout, int failuresToMarkDown,
                         String probeClientId) {
        this.replicas = replicas;
        this.interval = interval;
        this.timeout = timeout;
        this.failuresToMarkDown = failuresToMarkDown;
        this.probeClientId = probeClientId;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(daemon("ingress-health"));
        this.probes = Executors.newFixedThreadPool(4, daemon("ingress-probe"));
    }

    public void start() {
        scheduler.scheduleWithFixedDelay(this::probeAll, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Starts a probe of this replica now (e.g. just discovered), unless one is already running. */
    public void probeSoon(Replica replica) {
        if (replica.tryStartProbe()) {
            try {
                probes.execute(() -> probe(replica));
            } catch (RejectedExecutionException closed) {
                replica.probeFinished();
            }
        }
    }

    private void probeAll() {
        try {
            for (Replica replica : replicas.all()) {
                probeSoon(replica);
            }
        } catch (RuntimeException e) {
            LOG.error("health probe round failed", e);
        }
    }

    private void probe(Replica replica) {
        boolean confirm = false;
        try {
            replica.resolve();
            MqttProbe.Result result = MqttProbe.probe(replica.address(), probeClientId, timeout);
            if (replica.recordProbe(result.healthy(), result.detail(), failuresToMarkDown)) {
                if (result.healthy()) {
                    LOG.info("replica {} is healthy ({}, {} ms)", replica.id(), result.detail(),
                            result.elapsed().toMillis());
                } else {
                    LOG.warn("replica {} is DOWN: {}", replica.id(), result.detail());
                }
            }
            confirm = !result.healthy() && replica.healthy();
        } catch (RuntimeException e) {
            replica.recordProbe(false, e.toString(), failuresToMarkDown);
            LOG.warn("probe of replica {} failed unexpectedly: {}", replica.id(), e.toString());
        } finally {
            replica.probeFinished();
        }
        if (confirm) {
            LOG.info("probe of healthy replica {} failed ({} of {}): probing again now", replica.id(),
                    replica.consecutiveFailures(), failuresToMarkDown);
            probeSoon(replica);
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        probes.shutdownNow();
    }

    static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}

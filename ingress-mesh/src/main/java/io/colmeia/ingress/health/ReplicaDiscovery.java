package io.colmeia.ingress.health;

import io.colmeia.common.config.HostPort;
import io.colmeia.ingress.balance.Replica;
import io.colmeia.ingress.balance.ReplicaSet;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the replica set equal to the static list plus the addresses a DNS name resolves to (what Docker Swarm
 * {@code tasks.<service>} and a Kubernetes headless service return), re-resolved every interval. A failed
 * lookup keeps the last answer: a DNS hiccup must not empty the set. New replicas are probed at once.
 */
public final class ReplicaDiscovery implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ReplicaDiscovery.class);

    /** Resolves a name to addresses; the JDK resolver in production, a fake in tests. */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String name) throws UnknownHostException;
    }

    private final ReplicaSet replicas;
    private final List<HostPort> staticReplicas;
    private final String dnsName;
    private final int dnsPort;
    private final Duration interval;
    private final Resolver resolver;
    private final Consumer<Replica> onAdded;
    private final ScheduledExecutorService scheduler =
            Executors.newSingleThreadScheduledExecutor(HealthChecker.daemon("ingress-discovery"));
    private volatile List<HostPort> lastResolved = List.of();

    public ReplicaDiscovery(ReplicaSet replicas, List<HostPort> staticReplicas, String dnsName, int dnsPort,
                            Duration interval, Resolver resolver, Consumer<Replica> onAdded) {
        this.replicas = replicas;
        this.staticReplicas = List.copyOf(staticReplicas);
        this.dnsName = dnsName;
        this.dnsPort = dnsPort;
        this.interval = interval;
        this.resolver = resolver;
        this.onAdded = onAdded;
    }

    /** Applies the static list and a first resolution now, then re-resolves periodically if a name is set. */
    public void start() {
        refresh();
        if (dnsName != null) {
            scheduler.scheduleWithFixedDelay(this::refresh, interval.toMillis(), interval.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    /** One resolution round; public for tests. */
    public void refresh() {
        try {
            if (dnsName != null) {
                lastResolved = resolve();
            }
            Set<HostPort> all = new LinkedHashSet<>(staticReplicas);
            all.addAll(lastResolved);
            List<Replica> added = replicas.update(all);
            for (Replica replica : added) {
                LOG.info("replica {} joined the replica set", replica.id());
                onAdded.accept(replica);
            }
        } catch (RuntimeException e) {
            LOG.error("replica discovery failed", e);
        }
    }

    private List<HostPort> resolve() {
        try {
            InetAddress[] addresses = resolver.resolve(dnsName);
            List<HostPort> resolved = new ArrayList<>();
            for (InetAddress address : addresses) {
                resolved.add(new HostPort(address.getHostAddress(), dnsPort));
            }
            resolved.sort(Comparator.comparing(HostPort::toString));
            return resolved;
        } catch (UnknownHostException | SecurityException e) {
            LOG.warn("cannot resolve {} ({}); keeping the last {} replica address(es)", dnsName, e.getMessage(),
                    lastResolved.size());
            return lastResolved;
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}

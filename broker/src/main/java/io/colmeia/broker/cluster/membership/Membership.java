package io.colmeia.broker.cluster.membership;

import io.colmeia.common.config.HostPort;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which addresses this replica dials, and when. Addresses come from the static list, from a DNS name resolved
 * periodically, and from peers that dialed us but want us to dial them (the lower node id dials; see
 * {@code Frame.RejectReason#REVERSE}). An address is not dialed while the node behind it has a link up; failed
 * dials are retried with exponential backoff. The outcome of each dial is reported back by the cluster node.
 */
public final class Membership implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Membership.class);
    static final long MIN_BACKOFF_MS = 100;
    static final long MAX_BACKOFF_MS = 5_000;
    private static final long TICK_MS = 100;

    /** Starts a connection to the address; the outcome comes back through this class's methods. */
    public interface Dialer {
        void dial(HostPort address);
    }

    /** Resolves a DNS name (a seam for tests). */
    public interface Resolver {
        List<InetAddress> resolve(String name) throws UnknownHostException;
    }

    enum Source { STATIC, DNS, LEARNED }

    private static final class Target {
        final Set<Source> sources = EnumSet.noneOf(Source.class);
        volatile boolean connecting;
        volatile boolean self;
        volatile String nodeId;
        volatile long nextAttemptNanos;
        long backoffMs = MIN_BACKOFF_MS;
        int failures;
    }

    private final Map<HostPort, Target> targets = new ConcurrentHashMap<>();
    private final String dnsName;
    private final int dnsPort;
    private final long dnsIntervalMs;
    private final Resolver resolver;
    private final Dialer dialer;
    private final Predicate<String> linkUp;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cluster-membership");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean dnsFailing;

    public Membership(List<HostPort> staticPeers, String dnsName, int dnsPort, long dnsIntervalMs, Resolver resolver,
                      Dialer dialer, Predicate<String> linkUp) {
        this.dnsName = dnsName;
        this.dnsPort = dnsPort;
        this.dnsIntervalMs = dnsIntervalMs;
        this.resolver = resolver;
        this.dialer = dialer;
        this.linkUp = linkUp;
        staticPeers.forEach(p -> add(p, Source.STATIC));
    }

    public void start() {
        if (!dnsName.isEmpty()) {
            timer.scheduleWithFixedDelay(this::resolveDns, 0, dnsIntervalMs, TimeUnit.MILLISECONDS);
        }
        timer.scheduleWithFixedDelay(this::tick, 0, TICK_MS, TimeUnit.MILLISECONDS);
    }

    /** Dials every address that is due; runs on the membership thread. */
    void tick() {
        long now = System.nanoTime();
        targets.forEach((address, t) -> {
            if (t.self || t.connecting || now - t.nextAttemptNanos < 0) {
                return;
            }
            String id = t.nodeId;
            if (id != null && linkUp.test(id)) {
                return;
            }
            t.connecting = true;
            try {
                dialer.dial(address);
            } catch (RuntimeException e) {
                failed(address, e.toString());
            }
        });
    }

    void resolveDns() {
        Set<HostPort> found = new HashSet<>();
        try {
            for (InetAddress a : resolver.resolve(dnsName)) {
                found.add(new HostPort(a.getHostAddress(), dnsPort));
            }
            if (dnsFailing) {
                LOG.info("cluster: --peers-dns {} resolves again", dnsName);
                dnsFailing = false;
            }
        } catch (UnknownHostException | RuntimeException e) {
            if (!dnsFailing) {
                LOG.warn("cluster: cannot resolve --peers-dns {} ({}); keeping the peers known so far", dnsName,
                        e.toString());
                dnsFailing = true;
            }
            return;
        }
        found.forEach(a -> add(a, Source.DNS));
        targets.forEach((address, t) -> {
            synchronized (t) {
                if (t.sources.contains(Source.DNS) && !found.contains(address)) {
                    t.sources.remove(Source.DNS);
                    if (t.sources.isEmpty()) {
                        targets.remove(address);
                        LOG.info("cluster: {} is no longer in DNS {}; not dialing it any more", address, dnsName);
                    }
                }
            }
        });
    }

    /** A peer that dialed us asked to be dialed back at this address. */
    public void learn(HostPort address) {
        add(address, Source.LEARNED);
    }

    private void add(HostPort address, Source source) {
        Target t = targets.computeIfAbsent(address, a -> {
            LOG.debug("cluster: will dial {} ({})", a, source);
            return new Target();
        });
        synchronized (t) {
            t.sources.add(source);
        }
    }

    /** The dial to {@code address} completed its handshake with {@code nodeId}. */
    public void connected(HostPort address, String nodeId) {
        Target t = targets.get(address);
        if (t != null) {
            t.connecting = false;
            t.nodeId = nodeId;
            t.failures = 0;
            t.backoffMs = MIN_BACKOFF_MS;
        }
    }

    /** The dial failed (connect error or closed before the handshake): retry later, backing off. */
    public void failed(HostPort address, String reason) {
        Target t = targets.get(address);
        if (t == null) {
            return;
        }
        t.failures++;
        if (t.failures == 1) {
            LOG.warn("cluster: cannot link to {}: {} (retrying with backoff up to {} ms)", address, reason,
                    MAX_BACKOFF_MS);
        } else {
            LOG.debug("cluster: cannot link to {} (attempt {}): {}", address, t.failures, reason);
        }
        schedule(t, t.backoffMs);
        t.backoffMs = Math.min(t.backoffMs * 2, MAX_BACKOFF_MS);
    }

    /** A link we dialed that was up has closed: dial again soon. */
    public void closed(HostPort address) {
        Target t = targets.get(address);
        if (t != null) {
            t.backoffMs = MIN_BACKOFF_MS;
            schedule(t, MIN_BACKOFF_MS);
        }
    }

    /** The node at {@code address} has the lower id, so it dials us: check again only rarely. */
    public void reversed(HostPort address, String nodeId) {
        Target t = targets.get(address);
        if (t != null) {
            t.nodeId = nodeId;
            schedule(t, MAX_BACKOFF_MS);
        }
    }

    /** The address is this replica itself (e.g. found through DNS): never dial it. */
    public void self(HostPort address) {
        Target t = targets.get(address);
        if (t != null) {
            t.self = true;
            t.connecting = false;
        }
    }

    /** A refused handshake that will not fix itself soon (version or node id clash): retry slowly. */
    public void refused(HostPort address) {
        Target t = targets.get(address);
        if (t != null) {
            schedule(t, MAX_BACKOFF_MS);
        }
    }

    private static void schedule(Target t, long delayMs) {
        t.nextAttemptNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMs);
        t.connecting = false;
    }

    /** Addresses currently dialed (for logs and tests). */
    public Set<HostPort> targets() {
        Set<HostPort> out = new HashSet<>();
        targets.forEach((a, t) -> {
            if (!t.self) {
                out.add(a);
            }
        });
        return out;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}

package io.colmeia.ingress.balance;

import io.colmeia.common.config.HostPort;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One broker replica as this ingress node sees it: its address (whose text is also its identity in the
 * rendezvous hash, so every ingress node configured with the same addresses makes the same choices), its
 * health and its connection counts. Thread-safe: probes, event loops and metric scrapes share it.
 */
public final class Replica {

    private final HostPort address;
    private final String id;
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    private final AtomicBoolean probing = new AtomicBoolean();
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicLong total = new AtomicLong();
    private final AtomicLong connectFailures = new AtomicLong();
    private volatile InetSocketAddress socketAddress;
    private volatile boolean healthy;
    /** System.nanoTime() of the last down → up transition: the start of its slow-start ramp. */
    private volatile long healthySince;
    private volatile String lastDetail = "not probed yet";

    public Replica(HostPort address) {
        this.address = address;
        this.id = address.toString();
    }

    public HostPort address() {
        return address;
    }

    /**
     * The resolved address to connect to. Resolution can block, so it happens in {@link #resolve()}, which the
     * health checker calls from its own threads; event loops only read the cached result.
     */
    public InetSocketAddress socketAddress() {
        InetSocketAddress resolved = socketAddress;
        return resolved != null ? resolved : InetSocketAddress.createUnresolved(address.host(), address.port());
    }

    /** Resolves the host name (blocking); keeps the previous address if resolution fails. */
    public void resolve() {
        InetSocketAddress resolved = new InetSocketAddress(address.host(), address.port());
        if (!resolved.isUnresolved()) {
            socketAddress = resolved;
        }
    }

    /** "host:port"; the rendezvous hash key and the {@code replica} metric label. */
    public String id() {
        return id;
    }

    /** A replica is unhealthy until its first probe succeeds. */
    public boolean healthy() {
        return healthy;
    }

    public String lastDetail() {
        return lastDetail;
    }

    /**
     * Applies one probe result: a success makes the replica healthy at once; it becomes unhealthy after
     * {@code failuresToMarkDown} consecutive failures. Returns true when the health changed.
     */
    public boolean recordProbe(boolean ok, String detail, int failuresToMarkDown) {
        lastDetail = detail;
        if (ok) {
            consecutiveFailures.set(0);
            return setHealthy(true);
        }
        if (consecutiveFailures.incrementAndGet() >= failuresToMarkDown) {
            return setHealthy(false);
        }
        return false;
    }

    /**
     * A relayed connection the replica did not accept in time: counted, but not a verdict (a busy replica's
     * full backlog looks the same as a frozen one); the caller asks for a probe, which decides.
     */
    public void connectTimedOut(String detail) {
        lastDetail = detail;
        connectFailures.incrementAndGet();
    }

    /** Passive detection: a refused backend connection (nothing listens) marks the replica down at once. */
    public boolean markDown(String detail) {
        lastDetail = detail;
        connectFailures.incrementAndGet();
        return setHealthy(false);
    }

    private synchronized boolean setHealthy(boolean value) {
        boolean changed = healthy != value;
        if (changed && value) {
            healthySince = System.nanoTime();
        }
        healthy = value;
        return changed;
    }

    /** When the replica last became healthy (System.nanoTime()); meaningful only while it is healthy. */
    public long healthySince() {
        return healthySince;
    }

    /** Moves the start of the slow-start ramp (tests stand in for the passing of time this way). */
    public void healthySince(long nanos) {
        healthySince = nanos;
    }

    /** Consecutive failed probes since the last success. */
    public int consecutiveFailures() {
        return consecutiveFailures.get();
    }

    /** True if the caller may start a probe (none is running); pair with {@link #probeFinished()}. */
    public boolean tryStartProbe() {
        return probing.compareAndSet(false, true);
    }

    public void probeFinished() {
        probing.set(false);
    }

    public void connectionOpened() {
        active.incrementAndGet();
        total.incrementAndGet();
    }

    public void connectionClosed() {
        active.decrementAndGet();
    }

    public int activeConnections() {
        return active.get();
    }

    public long totalConnections() {
        return total.get();
    }

    public long connectFailures() {
        return connectFailures.get();
    }

    @Override
    public String toString() {
        return id + (healthy ? " (healthy)" : " (down: " + lastDetail + ")");
    }
}

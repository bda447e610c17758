package io.colmeia.ingress.limit;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Admission of new client connections: a total maximum, a per-source-IP maximum and a per-source-IP
 * connection rate (token bucket: {@code ratePerSecond} tokens per second, bursts up to {@code burst}).
 * A limit of 0 disables it. Thread-safe. The per-IP state of an address is dropped once it has no connection
 * and a full bucket (checked on release and by a sweep every {@value #SWEEP_EVERY} admissions), so the map
 * holds only addresses that are connected or connected recently, never every address ever seen.
 */
public final class ConnectionLimits {

    /** Outcome of {@link #tryAdmit}; anything but ADMITTED is a refusal reason (metric label). */
    public enum Admission {
        ADMITTED(null),
        MAX_CONNECTIONS("max_connections"),
        MAX_CONNECTIONS_PER_IP("max_connections_per_ip"),
        RATE_LIMITED("rate_limited");

        private final String label;

        Admission(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    static final int SWEEP_EVERY = 1024;

    private final int maxConnections;
    private final int maxPerIp;
    private final double ratePerSecond;
    private final double burst;
    private final LongSupplier nanoClock;
    private final AtomicInteger total = new AtomicInteger();
    private final AtomicInteger admissionsSinceSweep = new AtomicInteger();
    private final ConcurrentMap<InetAddress, PerIp> perIp = new ConcurrentHashMap<>();

    public ConnectionLimits(int maxConnections, int maxPerIp, double ratePerSecond, LongSupplier nanoClock) {
        this.maxConnections = maxConnections;
        this.maxPerIp = maxPerIp;
        this.ratePerSecond = ratePerSecond;
        this.burst = Math.max(1, ratePerSecond * 2);
        this.nanoClock = nanoClock;
    }

    /** On ADMITTED the caller must call {@link #release} exactly once when the connection ends. */
    public Admission tryAdmit(InetAddress address) {
        if (maxConnections > 0 && total.incrementAndGet() > maxConnections) {
            total.decrementAndGet();
            return Admission.MAX_CONNECTIONS;
        } else if (maxConnections <= 0) {
            total.incrementAndGet();
        }
        if (maxPerIp <= 0 && ratePerSecond <= 0) {
            return Admission.ADMITTED;
        }
        if (admissionsSinceSweep.incrementAndGet() >= SWEEP_EVERY) {
            admissionsSinceSweep.set(0);
            sweep();
        }
        Admission admission = perIp.compute(address, (a, state) -> {
            PerIp s = state == null ? new PerIp(burst, nanoClock.getAsLong()) : state;
            s.lastAdmission = s.admit(maxPerIp, ratePerSecond, burst, nanoClock.getAsLong());
            return s;
        }).lastAdmission;
        if (admission != Admission.ADMITTED) {
            total.decrementAndGet();
            perIp.computeIfPresent(address, (a, s) -> s.idle(burst, ratePerSecond, nanoClock.getAsLong()) ? null : s);
        }
        return admission;
    }

    public void release(InetAddress address) {
        total.decrementAndGet();
        if (maxPerIp <= 0 && ratePerSecond <= 0) {
            return;
        }
        perIp.computeIfPresent(address, (a, s) -> {
            s.connections--;
            return s.idle(burst, ratePerSecond, nanoClock.getAsLong()) ? null : s;
        });
    }

    /** Drops the state of addresses with no connection and a full bucket. */
    public void sweep() {
        long now = nanoClock.getAsLong();
        for (InetAddress address : perIp.keySet()) {
            perIp.computeIfPresent(address, (a, s) -> s.idle(burst, ratePerSecond, now) ? null : s);
        }
    }

    public int activeConnections() {
        return total.get();
    }

    /** Addresses with per-IP state (for tests: the map must not grow without bound). */
    public int trackedAddresses() {
        return perIp.size();
    }

    private static final class PerIp {
        int connections;
        double tokens;
        long refilledAt;
        Admission lastAdmission;

        PerIp(double burst, long now) {
            this.tokens = burst;
            this.refilledAt = now;
        }

        Admission admit(int maxPerIp, double rate, double burst, long now) {
            if (maxPerIp > 0 && connections >= maxPerIp) {
                return Admission.MAX_CONNECTIONS_PER_IP;
            }
            if (rate > 0) {
                refill(rate, burst, now);
                if (tokens < 1) {
                    return Admission.RATE_LIMITED;
                }
                tokens -= 1;
            }
            connections++;
            return Admission.ADMITTED;
        }

        boolean idle(double burst, double rate, long now) {
            if (rate > 0) {
                refill(rate, burst, now);
            }
            return connections <= 0 && (rate <= 0 || tokens >= burst);
        }

        private void refill(double rate, double burst, long now) {
            double elapsedSeconds = (now - refilledAt) / 1e9;
            if (elapsedSeconds > 0) {
                tokens = Math.min(burst, tokens + elapsedSeconds * rate);
                refilledAt = now;
            }
        }
    }
}

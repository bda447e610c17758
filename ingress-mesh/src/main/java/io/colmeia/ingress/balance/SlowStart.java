package io.colmeia.ingress.balance;

import java.time.Duration;
import java.util.List;

/**
 * Ramps a replica in after it becomes healthy, so a cold one (JIT not warmed up, caches empty) is not handed its
 * whole share of new connections at once. Over the window its weight grows linearly from 0 to 1; a client whose
 * first rendezvous choice is a ramping replica goes there only if its admission value, a fixed hash of (client,
 * replica) in [0, 1), is below the weight, else to its next choice. So the set of clients the replica takes only
 * grows during the ramp, each client's choice is the same on every ingress node (same hash, ramps started within
 * a probe interval of each other), and after the window the choice is plain rendezvous again: stickiness holds.
 *
 * <p>A ramp only applies while at least one other healthy replica is fully ramped: with nowhere else to send
 * the load (all replicas just came up, or this ingress node just started), holding clients back would only move
 * them around.
 */
public final class SlowStart {

    public static final SlowStart NONE = new SlowStart(Duration.ZERO);

    private final long windowNanos;

    public SlowStart(Duration window) {
        this.windowNanos = window.toNanos();
    }

    public Duration window() {
        return Duration.ofNanos(windowNanos);
    }

    /** The ramp weight of a healthy replica at {@code now}: 0 when it just came up, 1 after the window. */
    public double weight(Replica replica, long now) {
        if (windowNanos <= 0) {
            return 1;
        }
        long elapsed = now - replica.healthySince();
        if (elapsed >= windowNanos) {
            return 1;
        }
        return elapsed <= 0 ? 0 : (double) elapsed / windowNanos;
    }

    /** True when some healthy replica is fully ramped, so ramping replicas may be held back. */
    public boolean active(List<Replica> healthy, long now) {
        if (windowNanos <= 0) {
            return false;
        }
        for (Replica r : healthy) {
            if (weight(r, now) >= 1) {
                return true;
            }
        }
        return false;
    }

    /** Whether a client (by its key) is let through to a replica ramping at {@code weight}. */
    public static boolean admits(String key, Replica replica, double weight) {
        if (weight >= 1) {
            return true;
        }
        long h = RendezvousHash.score(key, "slow-start|" + replica.id());
        double u = (h >>> 11) * 0x1.0p-53; // uniform in [0, 1)
        return u < weight;
    }
}

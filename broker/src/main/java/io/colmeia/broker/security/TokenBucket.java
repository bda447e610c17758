package io.colmeia.broker.security;

import java.util.function.LongSupplier;

/**
 * A token bucket: {@code ratePerSecond} tokens a second, holding at most one second's worth (the burst). One per
 * client connection; HiveMQ runs one client's interceptors one at a time, the lock only guards odd overlaps.
 */
final class TokenBucket {

    private final int ratePerSecond;
    private final LongSupplier nanoClock;
    private double tokens;
    private long lastRefill;

    TokenBucket(int ratePerSecond, LongSupplier nanoClock) {
        if (ratePerSecond < 1) {
            throw new IllegalArgumentException("rate must be positive");
        }
        this.ratePerSecond = ratePerSecond;
        this.nanoClock = nanoClock;
        this.tokens = ratePerSecond;
        this.lastRefill = nanoClock.getAsLong();
    }

    int ratePerSecond() {
        return ratePerSecond;
    }

    synchronized boolean tryTake() {
        long now = nanoClock.getAsLong();
        tokens = Math.min(ratePerSecond, tokens + (now - lastRefill) * ratePerSecond / 1e9);
        lastRefill = now;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }
}

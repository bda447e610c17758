package io.colmeia.emulator.mqtt;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with "equal jitter": attempt n waits between half and all of min(max, base·2ⁿ), so a
 * fleet that lost its broker at the same instant does not come back in one synchronized wave.
 */
public final class Backoff {

    private final long baseNanos;
    private final long maxNanos;
    private final DoubleSupplier random;

    public Backoff(Duration base, Duration max, DoubleSupplier random) {
        if (base.isNegative() || base.isZero()) {
            throw new IllegalArgumentException("base must be positive");
        }
        if (max.compareTo(base) < 0) {
            throw new IllegalArgumentException("max must be at least base");
        }
        this.baseNanos = base.toNanos();
        this.maxNanos = max.toNanos();
        this.random = random;
    }

    /** Delay before reconnect attempt {@code attempt} (0 = first retry after a loss). */
    public long delayNanos(int attempt) {
        long ceiling = baseNanos;
        for (int i = 0; i < attempt && ceiling < maxNanos; i++) {
            ceiling = Math.min(maxNanos, ceiling * 2);
        }
        ceiling = Math.min(ceiling, maxNanos);
        double r = Math.max(0, Math.min(1, random.getAsDouble()));
        return ceiling / 2 + (long) (ceiling / 2 * r);
    }
}

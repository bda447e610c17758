package io.colmeia.launcher.local;

import java.time.Duration;

/**
 * When supervision starts a dead process again, like Docker Swarm's {@code restart_policy: on-failure}: a
 * process that exits with a non-zero code (or is killed by a signal) is restarted after a delay that doubles
 * with every consecutive failure up to {@code maxDelay}; one that ran at least {@code window} before failing
 * counts as having been healthy, so its next delay starts again from {@code delay}. Exit code 0 is a deliberate
 * stop and is not restarted. Pure: {@link Supervisor} applies it.
 */
public record RestartPolicy(Mode mode, Duration delay, Duration maxDelay, Duration window) {

    /** {@code on-failure} restarts failed processes; {@code no} never restarts (the behaviour before supervision). */
    public enum Mode { ON_FAILURE, NO }

    public RestartPolicy {
        if (delay.isNegative() || maxDelay.compareTo(delay) < 0 || window.isNegative()) {
            throw new IllegalArgumentException("need 0 <= delay <= maxDelay and window >= 0");
        }
    }

    public boolean restarts(int exitCode) {
        return mode == Mode.ON_FAILURE && exitCode != 0;
    }

    /** The wait before restart number {@code consecutiveFailures} (1 = the first failure in a row). */
    public Duration delayAfter(int consecutiveFailures) {
        long millis = delay.toMillis();
        for (int i = 1; i < consecutiveFailures && millis < maxDelay.toMillis(); i++) {
            millis *= 2;
        }
        return Duration.ofMillis(Math.min(millis, maxDelay.toMillis()));
    }

    /** Whether a process that ran this long before failing had recovered, resetting the backoff. */
    public boolean ranLongEnough(Duration uptime) {
        return uptime.compareTo(window) >= 0;
    }
}

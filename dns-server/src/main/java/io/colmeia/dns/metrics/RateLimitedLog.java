package io.colmeia.dns.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * Logs hostile or broken input at most once per interval per reason, with how many similar events were
 * not logged in between: a flood of garbage must not turn into a flood of log lines.
 */
public final class RateLimitedLog {

    private final Logger log;
    private final long intervalNanos;
    private final Map<String, Slot> slots = new ConcurrentHashMap<>();

    public RateLimitedLog(Logger log, long intervalNanos) {
        this.log = log;
        this.intervalNanos = intervalNanos;
    }

    /** Logs at WARN unless this reason was logged less than an interval ago; returns whether it logged. */
    public boolean warn(String reason, String format, Object... args) {
        Slot slot = slots.computeIfAbsent(reason, r -> new Slot());
        long now = System.nanoTime();
        long last = slot.lastLogged.get();
        if (last != Long.MIN_VALUE && now - last < intervalNanos) {
            slot.suppressed.incrementAndGet();
            return false;
        }
        if (!slot.lastLogged.compareAndSet(last, now)) {
            slot.suppressed.incrementAndGet();
            return false;
        }
        long suppressed = slot.suppressed.getAndSet(0);
        if (log.isWarnEnabled()) {
            String message = suppressed > 0 ? format + " (" + suppressed + " similar not logged)" : format;
            log.warn(message, args);
        }
        return true;
    }

    private static final class Slot {
        final AtomicLong lastLogged = new AtomicLong(Long.MIN_VALUE);
        final AtomicLong suppressed = new AtomicLong();
    }
}

package io.colmeia.ingress.metrics;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * Logs at most one line per key per window and says how many were suppressed in between, so a flood of
 * bad clients cannot flood the log (or slow the event loop with I/O).
 */
public final class RateLimitedLog {

    private final Logger log;
    private final long windowNanos;
    private final LongSupplier clock;
    private final ConcurrentMap<String, Window> windows = new ConcurrentHashMap<>();

    public RateLimitedLog(Logger log, long windowNanos, LongSupplier clock) {
        this.log = log;
        this.windowNanos = windowNanos;
        this.clock = clock;
    }

    /** Logs {@code message} at WARN unless a line with the same key was logged within the window. */
    public boolean warn(String key, String message) {
        Window window = windows.computeIfAbsent(key, k -> new Window());
        long now = clock.getAsLong();
        synchronized (window) {
            if (window.lastLogged != Long.MIN_VALUE && now - window.lastLogged < windowNanos) {
                window.suppressed.incrementAndGet();
                return false;
            }
            long suppressed = window.suppressed.getAndSet(0);
            window.lastLogged = now;
            if (suppressed > 0) {
                log.warn("{} ({} similar events suppressed)", message, suppressed);
            } else {
                log.warn(message);
            }
            return true;
        }
    }

    private static final class Window {
        long lastLogged = Long.MIN_VALUE;
        final AtomicLong suppressed = new AtomicLong();
    }
}

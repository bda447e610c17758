package io.colmeia.emulator.stats;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A latency distribution in microseconds (1 µs .. 1 h, 3 significant digits). Any thread records without
 * locking (HdrHistogram's Recorder); one reader at a time takes interval snapshots that are also added to
 * the running total.
 */
public final class LatencyStats {

    public static final long MAX_MICROS = 3_600_000_000L;

    private final Recorder recorder = new Recorder(MAX_MICROS, 3);
    private final Histogram total = new Histogram(MAX_MICROS, 3);

    public void recordMicros(long micros) {
        recorder.recordValue(Math.max(0, Math.min(MAX_MICROS, micros)));
    }

    /** Values recorded since the last call (also folded into {@link #total()}). */
    public synchronized Histogram interval() {
        Histogram h = recorder.getIntervalHistogram();
        total.add(h);
        return h;
    }

    /** Everything recorded so far (takes a final interval first). */
    public synchronized Histogram total() {
        interval();
        return total.copy();
    }

    /** Forgets everything recorded so far: the start of a measurement after a warm-up. */
    public synchronized void reset() {
        recorder.getIntervalHistogram();
        total.reset();
    }

    /** p50/p95/p99/max in milliseconds with µs precision; zeros when nothing was recorded. */
    public static Summary summarize(Histogram h) {
        if (h.getTotalCount() == 0) {
            return Summary.EMPTY;
        }
        return new Summary(h.getTotalCount(), ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(95)),
                ms(h.getValueAtPercentile(99)), ms(h.getMaxValue()));
    }

    private static double ms(long micros) {
        return micros / 1000.0;
    }

    /** A latency summary in milliseconds. */
    public record Summary(long count, double p50Ms, double p95Ms, double p99Ms, double maxMs) {
        public static final Summary EMPTY = new Summary(0, 0, 0, 0, 0);

        public String describe() {
            return count == 0 ? "-" : String.format(java.util.Locale.ROOT, "p50 %.2f p95 %.2f p99 %.2f max %.2f ms",
                    p50Ms, p95Ms, p99Ms, maxMs);
        }
    }
}

package io.colmeia.persistence.store;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.h2.mvstore.MVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the H2 data file from growing without bound.
 *
 * <p>H2 writes every commit as a new chunk (copy-on-write). Telemetry touches one index leaf per device, so a commit
 * rewrites many pages and leaves most of the older chunks dead but for a page or two that nothing rewrites again; a
 * chunk is only freed once all of it is dead, so without compaction the file grew by ~6 KB per stored reading
 * (measured: 1 GB for 180,000 readings). H2's own background compaction is off (it loses chunks when it races
 * readers, h2database#4247), so this does the same work on our schedule, while {@link DurableH2Backend} lets no
 * command run: no reader holds an old page during the rewrite. The rewritten data is committed before commands go
 * on; the old chunks are freed after H2's retention time, and new chunks reuse their space.
 */
final class StoreCompactor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StoreCompactor.class);
    /**
     * Live bytes rewritten while commands wait, at most: bounds one pause. 1 MiB steps paused commands for up to
     * 170-270 ms on the busy 2-core machine, the longest stalls in the paced PUBACK tail (bench/persistence.sh).
     */
    static final int STEP_BYTES = 256 * 1024;
    /** Between steps, so the commands that waited for one run before the next (the lock is not fair). */
    private static final long BETWEEN_STEPS_MILLIS = 5;
    /** Live bytes rewritten per pass at most, so a pass ends and other work gets the CPU. */
    static final long MAX_PASS_BYTES = 64L * 1024 * 1024;

    private final MVStore mvStore;
    private final DurableH2Backend backend;
    private final int fillBelow;
    private final ScheduledExecutorService scheduler;
    private final Counter passes;
    private final Counter failures;
    private final Timer pause;
    private volatile boolean stopping;

    StoreCompactor(MVStore mvStore, DurableH2Backend backend, int fillBelow, Duration interval,
            MeterRegistry registry) {
        this.mvStore = mvStore;
        this.backend = backend;
        this.fillBelow = fillBelow;
        Gauge.builder("colmeia_store_chunks_fill_ratio", mvStore, StoreCompactor::chunksFillRatio)
                .description("Share of the data file's chunks that is live data (the rest is dead pages)")
                .register(registry);
        this.passes = Counter.builder("colmeia_store_compactions_total")
                .description("Compaction passes that rewrote live pages out of mostly dead chunks")
                .register(registry);
        this.failures = Counter.builder("colmeia_store_compaction_failures_total")
                .description("Compaction passes that failed (logged; the data file keeps growing until one works)")
                .register(registry);
        this.pause = Timer.builder("colmeia_store_compaction_pause_seconds")
                .description("Time commands waited while a compaction pass ran")
                .register(registry);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "store-compactor");
            t.setDaemon(true);
            return t;
        });
        if (fillBelow > 0) {
            long ms = interval.toMillis();
            scheduler.scheduleWithFixedDelay(this::pass, ms, ms, TimeUnit.MILLISECONDS);
        }
    }

    private static double chunksFillRatio(MVStore store) {
        return store.isClosed() ? Double.NaN : store.getFileStore().getChunksFillRate() / 100.0;
    }

    /**
     * One pass: while the chunks are on average less than {@code fillBelow}% live, rewrite the emptiest ones, a
     * {@link #STEP_BYTES} step at a time (commands wait during a step, not during the whole pass), up to
     * {@link #MAX_PASS_BYTES}.
     */
    void pass() {
        try {
            int before = mvStore.getFileStore().getChunksFillRate();
            int steps = 0;
            for (long rewritten = 0; rewritten < MAX_PASS_BYTES && !stopping && !mvStore.isClosed()
                    && mvStore.getFileStore().getChunksFillRate() < fillBelow; rewritten += STEP_BYTES) {
                long start = System.nanoTime();
                boolean rewrote = backend.exclusively(() -> {
                    boolean any = mvStore.compact(fillBelow, STEP_BYTES);
                    backend.commitIfChanged("compact");
                    return any;
                });
                pause.record(Duration.ofNanos(System.nanoTime() - start));
                if (!rewrote) {
                    break; // nothing old enough to rewrite yet: H2 keeps chunks for its retention time
                }
                steps++;
                Thread.sleep(BETWEEN_STEPS_MILLIS);
            }
            if (steps > 0) {
                passes.increment();
                LOG.debug("compacted the data file in {} step(s): chunks were {}% live, now {}%", steps, before,
                        mvStore.getFileStore().getChunksFillRate());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the store is closing
        } catch (RuntimeException e) {
            if (stopping || mvStore.isClosed()) {
                return; // the store is closing: the pass may have been cut short, nothing is lost
            }
            failures.increment();
            LOG.warn("compaction of the data file failed ({}); the file grows until a later pass works", e.toString());
        }
    }

    /** Lets a running step finish (the pass stops after it), then stops the schedule. */
    @Override
    public void close() {
        stopping = true;
        scheduler.shutdown();
        try {
            if (!scheduler.awaitTermination(30, TimeUnit.SECONDS)) {
                scheduler.shutdownNow();
            }
        } catch (InterruptedException e) {
            scheduler.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}

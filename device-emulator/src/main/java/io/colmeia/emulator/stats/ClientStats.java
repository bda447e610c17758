package io.colmeia.emulator.stats;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** Counters shared by every client of one fleet (devices or subscribers); any thread may update them. */
public final class ClientStats {

    public final AtomicInteger connected = new AtomicInteger();
    public final LongAdder connects = new LongAdder();
    public final LongAdder connectFailures = new LongAdder();
    public final LongAdder resolveFailures = new LongAdder();
    public final LongAdder connectionsLost = new LongAdder();
    public final LongAdder reconnects = new LongAdder();
    public final LongAdder protocolErrors = new LongAdder();
    public final LongAdder published = new LongAdder();
    public final LongAdder acknowledged = new LongAdder();
    public final LongAdder retransmitted = new LongAdder();
    public final LongAdder skipped = new LongAdder();
    public final LongAdder received = new LongAdder();
    public final LatencyStats ackLatency = new LatencyStats();

    /** Errors of every kind, for the progress line. */
    public long errors() {
        return connectFailures.sum() + resolveFailures.sum() + protocolErrors.sum();
    }

    public Snapshot snapshot() {
        return new Snapshot(connected.get(), connects.sum(), connectFailures.sum(), resolveFailures.sum(),
                connectionsLost.sum(), reconnects.sum(), protocolErrors.sum(), published.sum(), acknowledged.sum(),
                retransmitted.sum(), skipped.sum(), received.sum());
    }

    /** The counters at one instant. */
    public record Snapshot(int connected, long connects, long connectFailures, long resolveFailures,
                           long connectionsLost, long reconnects, long protocolErrors, long published,
                           long acknowledged, long retransmitted, long skipped, long received) {
        public long errors() {
            return connectFailures + resolveFailures + protocolErrors;
        }
    }
}

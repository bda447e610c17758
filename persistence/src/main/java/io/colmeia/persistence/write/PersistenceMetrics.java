package io.colmeia.persistence.write;

import io.colmeia.persistence.decode.Rejection;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.function.Supplier;

/** The sink's meters ({@code colmeia_persistence_*}); the process registry adds the {@code node} label. */
public final class PersistenceMetrics {

    private final MeterRegistry registry;
    final Timer writeLatency;
    final DistributionSummary batchSize;
    final Counter writtenTelemetry;
    final Counter writtenRejected;
    final Counter duplicates;
    final Counter retries;
    final Counter spooled;
    final Counter replayed;
    final Counter timeseriesCopyFailures;

    public PersistenceMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.writeLatency = Timer.builder("colmeia_persistence_write_latency")
                .description("Time of one insertMany to MongoDB (write concern majority), per collection batch")
                .publishPercentileHistogram()
                .register(registry);
        this.batchSize = DistributionSummary.builder("colmeia_persistence_batch_documents")
                .description("Documents per batch taken from the queue")
                .register(registry);
        this.writtenTelemetry = written("telemetry");
        this.writtenRejected = written("telemetry_rejected");
        this.duplicates = Counter.builder("colmeia_persistence_duplicates_total")
                .description("Documents not written because one with the same id was already stored (retransmissions)")
                .register(registry);
        this.retries = Counter.builder("colmeia_persistence_retries_total")
                .description("Batch writes retried after a transient MongoDB error")
                .register(registry);
        this.spooled = Counter.builder("colmeia_persistence_spooled_total")
                .description("Documents appended to the local spool because MongoDB was unreachable or failing")
                .register(registry);
        this.replayed = Counter.builder("colmeia_persistence_replayed_total")
                .description("Spooled documents written to MongoDB by the replayer")
                .register(registry);
        this.timeseriesCopyFailures = Counter.builder("colmeia_persistence_timeseries_copy_failures_total")
                .description("Documents whose copy to the time-series collection failed (the main write succeeded)")
                .register(registry);
    }

    private Counter written(String collection) {
        return Counter.builder("colmeia_persistence_written_total")
                .description("Documents newly written to MongoDB with write concern majority")
                .tag("collection", collection)
                .register(registry);
    }

    void written(String collection, int n) {
        (collection.equals("telemetry") ? writtenTelemetry : writtenRejected).increment(n);
    }

    public void batchSize(int n) {
        batchSize.record(n);
    }

    public void spooled(int n) {
        spooled.increment(n);
    }

    public void replayed(int n) {
        replayed.increment(n);
    }

    public void rejected(Rejection rejection) {
        Counter.builder("colmeia_persistence_rejected_total")
                .description("Payloads that could not be decoded as telemetry, by field and reason")
                .tag("field", rejection.field())
                .tag("reason", rejection.code())
                .register(registry)
                .increment();
    }

    /** A message that was not made durable (so not to be acknowledged), by reason. */
    public void failed(String reason, int n) {
        Counter.builder("colmeia_persistence_failed_total")
                .description("Messages refused or not made durable (not to be acknowledged), by reason")
                .tag("reason", reason)
                .register(registry)
                .increment(n);
    }

    public void gauges(Supplier<Number> queueDepth, Supplier<Number> spoolBytes, Supplier<Number> spoolRecords) {
        Gauge.builder("colmeia_persistence_queue_depth", queueDepth)
                .description("Messages waiting in memory to be written")
                .register(registry);
        Gauge.builder("colmeia_persistence_spool_bytes", spoolBytes)
                .description("Bytes in the local spool waiting to be replayed to MongoDB")
                .register(registry);
        Gauge.builder("colmeia_persistence_spool_records", spoolRecords)
                .description("Documents in the local spool waiting to be replayed to MongoDB")
                .register(registry);
    }
}

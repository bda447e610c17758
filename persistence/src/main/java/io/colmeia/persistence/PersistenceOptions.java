package io.colmeia.persistence;

import com.mongodb.ConnectionString;
import io.colmeia.common.config.Converters;
import io.colmeia.common.config.Directories;
import io.colmeia.common.config.InvalidConfigurationException;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The telemetry sink's options, to mix into a command with {@code @Mixin}; {@link #toConfig()} validates them
 * once (each error names its option). Every option is also an environment variable {@code COLMEIA_<NAME>}.
 */
public class PersistenceOptions {

    @Option(names = "--mongodb-uri", defaultValue = "mongodb://127.0.0.1:27017/?replicaSet=rs0", paramLabel = "URI",
            description = "MongoDB connection string; a replica set (replicaSet=...) for failover. Writes always use"
                    + " write concern majority and retryable writes, whatever the URI says (default: ${DEFAULT-VALUE}).")
    public String mongodbUri;

    @Option(names = "--mongodb-database", defaultValue = "colmeia", paramLabel = "NAME",
            description = "Database holding the telemetry and telemetry_rejected collections"
                    + " (default: ${DEFAULT-VALUE}).")
    public String database;

    @Option(names = "--spool-dir", defaultValue = "data/spool", paramLabel = "DIR",
            description = "Directory of the local fsync'd spool used while MongoDB is unreachable; one per broker"
                    + " process (default: ${DEFAULT-VALUE}).")
    public Path spoolDir;

    @Option(names = "--spool-max-bytes", defaultValue = "1073741824", paramLabel = "BYTES",
            description = "Largest spool; when full, new messages are not acknowledged (devices retry) instead of"
                    + " being dropped (default: ${DEFAULT-VALUE}).")
    public long spoolMaxBytes;

    @Option(names = "--batch-size", defaultValue = "1000", paramLabel = "N",
            description = "Most documents written in one insertMany (default: ${DEFAULT-VALUE}).")
    public int batchSize;

    @Option(names = "--batch-linger", defaultValue = "20ms", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "Longest time a batch waits to fill while messages keep arriving and every other writer is"
                    + " busy; it is written as soon as none arrives for 1 ms, or at once when a writer is idle"
                    + " (default: ${DEFAULT-VALUE}).")
    public Duration batchLinger;

    @Option(names = "--write-concurrency", defaultValue = "1", paramLabel = "N",
            description = "Batches written at the same time: while one waits for the server, the next is on its way."
                    + " More than 1 splits the arrivals into smaller batches (more commits); on a 2-core machine with"
                    + " the embedded store 1 was faster (default: ${DEFAULT-VALUE}).")
    public int writeConcurrency;

    @Option(names = "--queue-capacity", defaultValue = "100000", paramLabel = "N",
            description = "Messages waiting to be written, at most; beyond it a message is refused (not"
                    + " acknowledged) rather than dropped (default: ${DEFAULT-VALUE}).")
    public int queueCapacity;

    @Option(names = "--queue-wait", defaultValue = "0ms", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "How long a publish may wait for queue space before it is refused; 0ms refuses at once"
                    + " (default: ${DEFAULT-VALUE}).")
    public Duration queueWait;

    @Option(names = "--write-timeout", defaultValue = "3s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "Time to find a writable primary before a batch goes to the spool"
                    + " (default: ${DEFAULT-VALUE}).")
    public Duration writeTimeout;

    @Option(names = "--write-retries", defaultValue = "3", paramLabel = "N",
            description = "Retries of a batch after a transient MongoDB error before it goes to the spool"
                    + " (default: ${DEFAULT-VALUE}).")
    public int writeRetries;

    @Option(names = "--max-payload-bytes", defaultValue = "65536", paramLabel = "BYTES",
            description = "Largest payload stored; larger ones go to telemetry_rejected (default: ${DEFAULT-VALUE}).")
    public int maxPayloadBytes;

    @Option(names = "--max-json-depth", defaultValue = "32", paramLabel = "N",
            description = "Deepest JSON nesting accepted; deeper payloads are rejected (default: ${DEFAULT-VALUE}).")
    public int maxJsonDepth;

    @Option(names = "--dedupe-window", defaultValue = "1s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "For payloads without a device time: identical payloads from one client on one topic"
                    + " within one such window are stored once (default: ${DEFAULT-VALUE}).")
    public Duration dedupeWindow;

    @Option(names = "--timeseries-copy", defaultValue = "true", paramLabel = "BOOLEAN", arity = "0..1",
            description = "Also write each new telemetry document to the time-series collection telemetry_ts for"
                    + " dashboards, where the server supports it (default: ${DEFAULT-VALUE}).")
    public boolean timeseriesCopy;

    @Option(names = "--persistence-shutdown-grace", defaultValue = "10s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "On stop, time allowed to write or spool what is queued (default: ${DEFAULT-VALUE}).")
    public Duration shutdownGrace;

    /** Validates the options (creating the spool directory) and returns the typed configuration. */
    public PersistenceConfig toConfig() {
        ConnectionString uri;
        try {
            uri = new ConnectionString(mongodbUri);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException("--mongodb-uri", "'" + mongodbUri + "' is not a MongoDB"
                    + " connection string (" + e.getMessage() + ")");
        }
        Path spool = Directories.requireWritable("--spool-dir", spoolDir);
        return new PersistenceConfig(uri, database, spool, spoolMaxBytes, batchSize, batchLinger, queueCapacity,
                queueWait, writeTimeout, writeRetries, maxPayloadBytes, maxJsonDepth, dedupeWindow, timeseriesCopy,
                shutdownGrace, writeConcurrency);
    }
}

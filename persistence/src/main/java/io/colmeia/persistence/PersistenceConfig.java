package io.colmeia.persistence;

import com.mongodb.ConnectionString;
import io.colmeia.common.config.InvalidConfigurationException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The typed, validated configuration of the telemetry sink; each check names the option at fault.
 * Built by {@link PersistenceOptions#toConfig()} or directly (tests, embedding).
 */
public record PersistenceConfig(
        ConnectionString mongodbUri,
        String database,
        Path spoolDir,
        long spoolMaxBytes,
        int batchSize,
        Duration batchLinger,
        int queueCapacity,
        Duration queueWait,
        Duration writeTimeout,
        int writeRetries,
        int maxPayloadBytes,
        int maxJsonDepth,
        Duration dedupeWindow,
        boolean timeseriesCopy,
        Duration shutdownGrace,
        int writeConcurrency) {

    /** MongoDB database names: no '/', '\', '.', ' ', '"', '$', at most 63 bytes. */
    private static final Pattern DATABASE = Pattern.compile("[A-Za-z0-9_-]{1,63}");

    public static final int MAX_PAYLOAD_LIMIT = 8 * 1024 * 1024;
    /** Batches written at the same time by default (see {@code --write-concurrency}). */
    public static final int DEFAULT_WRITE_CONCURRENCY = 1;

    public PersistenceConfig {
        Objects.requireNonNull(mongodbUri, "mongodbUri");
        Objects.requireNonNull(spoolDir, "spoolDir");
        if (mongodbUri.getHosts().isEmpty()) {
            throw new InvalidConfigurationException("--mongodb-uri", "names no host");
        }
        if (database == null || !DATABASE.matcher(database).matches()) {
            throw new InvalidConfigurationException("--mongodb-database", "'" + database
                    + "' is not a database name: use 1-63 letters, digits, '_' or '-'");
        }
        if (spoolMaxBytes < 1024 * 1024) {
            throw new InvalidConfigurationException("--spool-max-bytes", "must be at least 1048576, got "
                    + spoolMaxBytes);
        }
        if (batchSize < 1 || batchSize > 10_000) {
            throw new InvalidConfigurationException("--batch-size", "must be between 1 and 10000, got " + batchSize);
        }
        requireRange("--batch-linger", batchLinger, Duration.ZERO, Duration.ofSeconds(10));
        if (queueCapacity < 1 || queueCapacity > 10_000_000) {
            throw new InvalidConfigurationException("--queue-capacity", "must be between 1 and 10000000, got "
                    + queueCapacity);
        }
        if (queueCapacity < batchSize) {
            throw new InvalidConfigurationException("--queue-capacity", "must be at least --batch-size ("
                    + batchSize + "), got " + queueCapacity);
        }
        requireRange("--queue-wait", queueWait, Duration.ZERO, Duration.ofMinutes(1));
        requireRange("--write-timeout", writeTimeout, Duration.ofMillis(100), Duration.ofMinutes(5));
        if (writeRetries < 0 || writeRetries > 10) {
            throw new InvalidConfigurationException("--write-retries", "must be between 0 and 10, got " + writeRetries);
        }
        if (maxPayloadBytes < 16 || maxPayloadBytes > MAX_PAYLOAD_LIMIT) {
            throw new InvalidConfigurationException("--max-payload-bytes", "must be between 16 and "
                    + MAX_PAYLOAD_LIMIT + ", got " + maxPayloadBytes);
        }
        if (maxJsonDepth < 1 || maxJsonDepth > 100) {
            throw new InvalidConfigurationException("--max-json-depth", "must be between 1 and 100, got "
                    + maxJsonDepth);
        }
        requireRange("--dedupe-window", dedupeWindow, Duration.ofMillis(1), Duration.ofDays(1));
        requireRange("--persistence-shutdown-grace", shutdownGrace, Duration.ZERO, Duration.ofMinutes(10));
        if (writeConcurrency < 1 || writeConcurrency > 64) {
            throw new InvalidConfigurationException("--write-concurrency", "must be between 1 and 64, got "
                    + writeConcurrency);
        }
    }

    /** The configuration with the default {@code --write-concurrency}. */
    public PersistenceConfig(ConnectionString mongodbUri, String database, Path spoolDir, long spoolMaxBytes,
                             int batchSize, Duration batchLinger, int queueCapacity, Duration queueWait,
                             Duration writeTimeout, int writeRetries, int maxPayloadBytes, int maxJsonDepth,
                             Duration dedupeWindow, boolean timeseriesCopy, Duration shutdownGrace) {
        this(mongodbUri, database, spoolDir, spoolMaxBytes, batchSize, batchLinger, queueCapacity, queueWait,
                writeTimeout, writeRetries, maxPayloadBytes, maxJsonDepth, dedupeWindow, timeseriesCopy, shutdownGrace,
                DEFAULT_WRITE_CONCURRENCY);
    }

    private static void requireRange(String option, Duration value, Duration min, Duration max) {
        if (value == null) {
            throw new InvalidConfigurationException(option, "is required");
        }
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new InvalidConfigurationException(option, "must be between " + min.toMillis() + " ms and "
                    + max.toMillis() + " ms, got " + value.toMillis() + " ms");
        }
    }

    /** A configuration with the documented defaults, for the given server and spool directory. */
    public static PersistenceConfig defaults(String mongodbUri, Path spoolDir) {
        return new PersistenceConfig(new ConnectionString(mongodbUri), "colmeia", spoolDir, 1L << 30, 1000,
                Duration.ofMillis(20), 100_000, Duration.ZERO, Duration.ofSeconds(3), 3, 64 * 1024, 32,
                Duration.ofSeconds(1), true, Duration.ofSeconds(10));
    }

    public PersistenceConfig withMongodbUri(String uri) {
        return new PersistenceConfig(new ConnectionString(uri), database, spoolDir, spoolMaxBytes, batchSize,
                batchLinger, queueCapacity, queueWait, writeTimeout, writeRetries, maxPayloadBytes, maxJsonDepth,
                dedupeWindow, timeseriesCopy, shutdownGrace, writeConcurrency);
    }

    public PersistenceConfig withQueue(int capacity, Duration wait) {
        return new PersistenceConfig(mongodbUri, database, spoolDir, spoolMaxBytes, batchSize, batchLinger,
                capacity, wait, writeTimeout, writeRetries, maxPayloadBytes, maxJsonDepth, dedupeWindow,
                timeseriesCopy, shutdownGrace, writeConcurrency);
    }

    public PersistenceConfig withBatch(int size, Duration linger) {
        return new PersistenceConfig(mongodbUri, database, spoolDir, spoolMaxBytes, size, linger,
                queueCapacity, queueWait, writeTimeout, writeRetries, maxPayloadBytes, maxJsonDepth, dedupeWindow,
                timeseriesCopy, shutdownGrace, writeConcurrency);
    }

    public PersistenceConfig withWriteConcurrency(int writers) {
        return new PersistenceConfig(mongodbUri, database, spoolDir, spoolMaxBytes, batchSize, batchLinger,
                queueCapacity, queueWait, writeTimeout, writeRetries, maxPayloadBytes, maxJsonDepth, dedupeWindow,
                timeseriesCopy, shutdownGrace, writers);
    }

    public PersistenceConfig withWriteTimeout(Duration timeout) {
        return new PersistenceConfig(mongodbUri, database, spoolDir, spoolMaxBytes, batchSize, batchLinger,
                queueCapacity, queueWait, timeout, writeRetries, maxPayloadBytes, maxJsonDepth, dedupeWindow,
                timeseriesCopy, shutdownGrace, writeConcurrency);
    }
}

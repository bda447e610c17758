package io.colmeia.persistence.write;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoException;
import com.mongodb.MongoTimeoutException;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.InsertManyOptions;
import io.colmeia.persistence.Durability;
import io.colmeia.persistence.decode.TelemetryDecoder;
import io.colmeia.persistence.schema.Schema;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a batch with unordered insertMany (write concern majority, from the database handle), one call per
 * collection. Duplicate-key errors (11000) are success: the document is already stored. Transient errors are
 * retried with backoff; when MongoDB stays unreachable, {@link UnavailableException} says so and the caller
 * spools what is left. Thread-safe (the writer and the replayer share one).
 */
public final class MongoWriter {

    private static final Logger LOG = LoggerFactory.getLogger(MongoWriter.class);
    static final int DUPLICATE_KEY = 11000;
    private static final InsertManyOptions UNORDERED = new InsertManyOptions().ordered(false);

    private final MongoDatabase database;
    private final Schema schema;
    private final int retries;
    private final PersistenceMetrics metrics;

    public MongoWriter(MongoDatabase database, Schema schema, int retries, PersistenceMetrics metrics) {
        this.database = database;
        this.schema = schema;
        this.retries = retries;
        this.metrics = metrics;
    }

    /** One document of a batch and, after {@link #write}, what became of it. */
    public static final class Entry {
        final String collection;
        final Document document;
        Durability outcome;
        String error;

        public Entry(String collection, Document document) {
            this.collection = collection;
            this.document = document;
        }

        public Durability outcome() {
            return outcome;
        }

        /** Set when the server refused this document for good (not a duplicate, not transient). */
        public String error() {
            return error;
        }

        public Document document() {
            return document;
        }

        boolean done() {
            return outcome != null || error != null;
        }
    }

    /** MongoDB could not be written within the retries; entries not done are neither written nor refused. */
    public static final class UnavailableException extends Exception {
        public UnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Writes every entry, or throws leaving the undone ones for the spool. */
    public void write(List<Entry> entries) throws UnavailableException, InterruptedException {
        int attempt = 0;
        while (true) {
            List<Entry> todo = new ArrayList<>();
            for (Entry e : entries) {
                if (!e.done()) {
                    todo.add(e);
                }
            }
            if (todo.isEmpty()) {
                return;
            }
            try {
                schema.ensure();
                Map<String, List<Entry>> byCollection = new LinkedHashMap<>();
                for (Entry e : todo) {
                    byCollection.computeIfAbsent(e.collection, k -> new ArrayList<>()).add(e);
                }
                for (Map.Entry<String, List<Entry>> group : byCollection.entrySet()) {
                    insert(group.getKey(), group.getValue());
                }
                return;
            } catch (MongoException e) {
                if (e instanceof MongoTimeoutException || attempt >= retries) {
                    throw new UnavailableException(describe(e), e);
                }
                attempt++;
                metrics.retries.increment();
                long backoff = Math.min(1000, 100L << (attempt - 1));
                LOG.debug("write attempt {} failed ({}); retrying in {} ms", attempt, describe(e), backoff);
                TimeUnit.MILLISECONDS.sleep(backoff);
            }
        }
    }

    private void insert(String collection, List<Entry> entries) {
        List<Document> docs = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            docs.add(e.document);
        }
        long start = System.nanoTime();
        List<Entry> fresh = new ArrayList<>(entries.size());
        try {
            database.getCollection(collection).insertMany(docs, UNORDERED);
            for (Entry e : entries) {
                e.outcome = Durability.STORED;
                fresh.add(e);
            }
        } catch (MongoBulkWriteException e) {
            boolean[] failed = new boolean[entries.size()];
            int duplicates = 0;
            for (BulkWriteError error : e.getWriteErrors()) {
                Entry entry = entries.get(error.getIndex());
                failed[error.getIndex()] = true;
                if (error.getCode() == DUPLICATE_KEY) {
                    entry.outcome = Durability.DUPLICATE;
                    duplicates++;
                } else {
                    entry.error = "server refused the document (code " + error.getCode() + "): "
                            + error.getMessage();
                    LOG.error("MongoDB refused document {} in {}: code {}: {}", entry.document.get("_id"),
                            collection, error.getCode(), error.getMessage());
                }
            }
            metrics.duplicates.increment(duplicates);
            if (e.getWriteConcernError() != null) {
                // Inserted, but not confirmed on a majority: retry them; the retry sees duplicates.
                throw e;
            }
            for (int i = 0; i < entries.size(); i++) {
                if (!failed[i]) {
                    entries.get(i).outcome = Durability.STORED;
                    fresh.add(entries.get(i));
                }
            }
        } finally {
            metrics.writeLatency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
        metrics.written(collection, fresh.size());
        if (collection.equals(TelemetryDecoder.TELEMETRY) && !fresh.isEmpty() && schema.timeseriesEnabled()) {
            copyToTimeseries(fresh);
        }
    }

    /** Best effort: the dashboards' copy; the record of truth is the telemetry collection. */
    private void copyToTimeseries(List<Entry> fresh) {
        List<Document> docs = new ArrayList<>(fresh.size());
        for (Entry e : fresh) {
            docs.add(e.document);
        }
        try {
            database.getCollection(Schema.TIMESERIES).insertMany(docs, UNORDERED);
        } catch (MongoException e) {
            metrics.timeseriesCopyFailures.increment(docs.size());
            LOG.warn("copy of {} document(s) to {} failed: {}", docs.size(), Schema.TIMESERIES, describe(e));
        }
    }

    static String describe(Throwable e) {
        String message = e.getMessage();
        if (message != null && message.length() > 300) {
            message = message.substring(0, 300) + "...";
        }
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}

package io.colmeia.persistence;

import com.mongodb.MongoClientSettings;
import com.mongodb.WriteConcern;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import io.colmeia.common.config.InvalidConfigurationException;
import io.colmeia.persistence.decode.Decoded;
import io.colmeia.persistence.decode.TelemetryDecoder;
import io.colmeia.persistence.schema.Schema;
import io.colmeia.persistence.spool.Spool;
import io.colmeia.persistence.write.MongoWriter;
import io.colmeia.persistence.write.PersistenceMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.codecs.DecoderContext;
import org.bson.codecs.DocumentCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The telemetry sink: decode, queue, batch, write to MongoDB with write concern majority, or spool.
 *
 * <p>Threads: callers of {@link #submit} (decode + enqueue), {@code --write-concurrency} {@code persistence-writer-N}
 * threads (each takes a batch from the queue and writes it to MongoDB or, while the spool holds anything, to the
 * spool), one {@code persistence-replayer} (spool to MongoDB, in order, then back to direct writes). Several
 * writers keep several batches in flight: while one waits for the server's answer, the next batch is already
 * being written, and the server can commit them together. Batches written at the same time may land in either
 * order; a client with {@code ack=persisted} has one message in the sink at a time, so its own messages keep their
 * order, and the deterministic {@code _id} makes any order safe for exactly-once.
 */
public final class MongoTelemetrySink implements TelemetrySink {

    private static final Logger LOG = LoggerFactory.getLogger(MongoTelemetrySink.class);
    private static final long REPLAY_RETRY_MILLIS = 1000;
    private static final DocumentCodec CODEC = new DocumentCodec(MongoClientSettings.getDefaultCodecRegistry());

    private final PersistenceConfig config;
    private final TelemetryDecoder decoder;
    private final PersistenceMetrics metrics;
    private final MongoClient client;
    private final Schema schema;
    private final MongoWriter writer;
    /** A batch is written once no new message arrived for this long (or at --batch-linger at the latest). */
    private static final long ARRIVAL_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private final Spool spool;
    private final BlockingQueue<Pending> queue;
    private final List<Thread> writerThreads;
    private final AtomicInteger writersRunning = new AtomicInteger();
    private final ReentrantLock collecting = new ReentrantLock();
    private final Thread replayerThread;
    private final Object replayWakeup = new Object();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean writerDone;
    private volatile boolean replayerStop;

    private record Pending(Decoded decoded, CompletableFuture<Durability> future) {

        /** Completes with how the message became durable; an invalid payload's record is always REJECTED. */
        void durable(Durability how) {
            future.complete(decoded.rejected() ? Durability.REJECTED : how);
        }
    }

    private MongoTelemetrySink(PersistenceConfig config, MeterRegistry registry, Spool spool) {
        this.config = config;
        this.decoder = new TelemetryDecoder(config.maxPayloadBytes(), config.maxJsonDepth(), config.dedupeWindow());
        this.metrics = new PersistenceMetrics(registry);
        this.spool = spool;
        this.queue = new ArrayBlockingQueue<>(config.queueCapacity());
        long timeoutMs = config.writeTimeout().toMillis();
        MongoClientSettings settings = MongoClientSettings.builder()
                .applyConnectionString(config.mongodbUri())
                .writeConcern(WriteConcern.MAJORITY)
                .retryWrites(true)
                .applicationName("colmeia-persistence")
                .applyToClusterSettings(b -> b.serverSelectionTimeout(timeoutMs, TimeUnit.MILLISECONDS))
                // Notice a recovered server within a second, so the spool drains soon after it is back.
                .applyToServerSettings(b -> b.heartbeatFrequency(1, TimeUnit.SECONDS))
                .applyToSocketSettings(b -> b
                        .connectTimeout((int) Math.min(timeoutMs, 10_000), TimeUnit.MILLISECONDS)
                        .readTimeout((int) (timeoutMs + 10_000), TimeUnit.MILLISECONDS))
                .build();
        this.client = MongoClients.create(settings);
        MongoDatabase database = client.getDatabase(config.database()).withWriteConcern(WriteConcern.MAJORITY);
        this.schema = new Schema(database, client.getDatabase("admin"), config.timeseriesCopy());
        this.writer = new MongoWriter(database, schema, config.writeRetries(), metrics);
        metrics.gauges(queue::size, spool::bytes, spool::records);
        List<Thread> writers = new ArrayList<>();
        for (int i = 1; i <= config.writeConcurrency(); i++) {
            Thread writer = new Thread(this::writeLoop, "persistence-writer-" + i);
            writer.setDaemon(true);
            writers.add(writer);
        }
        this.writerThreads = List.copyOf(writers);
        this.writersRunning.set(writers.size());
        this.replayerThread = new Thread(this::replayLoop, "persistence-replayer");
        this.replayerThread.setDaemon(true);
    }

    /**
     * Opens the spool (recovering it after a crash), connects to MongoDB in the background and starts the
     * writer and replayer. Does not wait for MongoDB: until it answers, messages are spooled.
     *
     * @throws InvalidConfigurationException when the spool directory cannot be used
     */
    public static MongoTelemetrySink start(PersistenceConfig config, MeterRegistry registry) {
        Spool spool;
        try {
            spool = Spool.open(config.spoolDir(), config.spoolMaxBytes());
        } catch (IOException e) {
            throw new InvalidConfigurationException("--spool-dir", e.getMessage());
        }
        MongoTelemetrySink sink;
        try {
            sink = new MongoTelemetrySink(config, registry, spool);
        } catch (RuntimeException e) {
            spool.close();
            throw e;
        }
        sink.writerThreads.forEach(Thread::start);
        sink.replayerThread.start();
        LOG.info("telemetry sink started: MongoDB {} database '{}', batches of <= {} docs / {} ms, {} in flight,"
                        + " queue {}, spool {} ({} byte(s) waiting)", config.mongodbUri().getHosts(), config.database(),
                config.batchSize(), config.batchLinger().toMillis(), config.writeConcurrency(),
                config.queueCapacity(), spool.file(), spool.bytes());
        return sink;
    }

    @Override
    public CompletableFuture<Durability> submit(TelemetryMessage message) {
        if (closed.get() || writerDone) {
            metrics.failed("closed", 1);
            return CompletableFuture.failedFuture(new PersistenceUnavailableException("the telemetry sink is closed"));
        }
        Decoded decoded;
        try {
            decoded = decoder.decode(message);
        } catch (RuntimeException e) {
            LOG.error("decoding a message from {} on {} failed", message.clientId(), message.topic(), e);
            metrics.failed("decode_error", 1);
            return CompletableFuture.failedFuture(new PersistenceUnavailableException("decoding failed: " + e, e));
        }
        if (decoded.rejected()) {
            metrics.rejected(decoded.rejection());
            LOG.debug("rejected payload from {} on {}: {} {}: {}", message.clientId(), message.topic(),
                    decoded.rejection().field(), decoded.rejection().code(), decoded.rejection().detail());
        }
        Pending pending = new Pending(decoded, new CompletableFuture<>());
        boolean queued;
        try {
            queued = config.queueWait().isZero()
                    ? queue.offer(pending)
                    : queue.offer(pending, config.queueWait().toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            queued = false;
        }
        if (!queued) {
            metrics.failed("queue_full", 1);
            return CompletableFuture.failedFuture(new PersistenceUnavailableException("the persistence queue is full ("
                    + config.queueCapacity() + " messages); not acknowledged, the device will retry"));
        }
        if (writerDone && queue.remove(pending)) {
            metrics.failed("closed", 1);
            pending.future.completeExceptionally(new PersistenceUnavailableException("the telemetry sink is closed"));
        }
        return pending.future;
    }

    // --- writer ----------------------------------------------------------------------------------------------

    /** Fills {@code batch}: waits up to 100 ms for a first message, then takes what keeps arriving. */
    private void collect(List<Pending> batch) throws InterruptedException {
        Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
            return;
        }
        batch.add(first);
        long deadline = System.nanoTime() + config.batchLinger().toNanos();
        while (batch.size() < config.batchSize()) {
            queue.drainTo(batch, config.batchSize() - batch.size());
            long remaining = deadline - System.nanoTime();
            if (batch.size() >= config.batchSize() || remaining <= 0) {
                return;
            }
            if (queue.isEmpty() && collecting.hasQueuedThreads()) {
                // Another writer is idle: write this batch now, it takes the next message at once.
                return;
            }
            // Group commit: with every other writer busy, a batch waits for more only while messages keep
            // coming. A device waits for its PUBACK, and HiveMQ hands a client's next publish over only after
            // that, so lingering on a quiet queue would only add latency (and cap each client at one message
            // per linger).
            Pending next = queue.poll(Math.min(remaining, ARRIVAL_GAP_NANOS), TimeUnit.NANOSECONDS);
            if (next == null) {
                return;
            }
            batch.add(next);
        }
    }

    private void writeLoop() {
        List<Pending> batch = new ArrayList<>(config.batchSize());
        try {
            while (!(closed.get() && queue.isEmpty())) {
                // One writer fills a batch at a time, the others are writing theirs: idle writers would otherwise
                // split the arrivals between them into many small batches.
                collecting.lockInterruptibly();
                try {
                    collect(batch);
                } finally {
                    collecting.unlock();
                }
                if (batch.isEmpty()) {
                    continue;
                }
                try {
                    handle(batch);
                } catch (RuntimeException e) {
                    // A bug must not stop the writer: fail this batch (not acknowledged, devices retry), go on.
                    LOG.error("writing a batch of {} failed unexpectedly; not acknowledged", batch.size(), e);
                    fail(batch, "writer_error", "the persistence writer failed: " + e);
                }
                batch.clear();
            }
        } catch (InterruptedException e) {
            fail(batch, "interrupted", "the sink was stopped before the message was written");
            Thread.currentThread().interrupt();
        } finally {
            if (writersRunning.decrementAndGet() == 0) {
                writerDone = true;
                List<Pending> left = new ArrayList<>();
                queue.drainTo(left);
                fail(left, "closed", "the telemetry sink stopped before the message was written");
            }
        }
    }

    private void handle(List<Pending> batch) throws InterruptedException {
        metrics.batchSize(batch.size());
        if (!spool.isEmpty()) {
            // Keep order: while anything waits in the spool, new batches join it behind.
            try {
                if (spool.appendIfNotEmpty(records(batch))) {
                    complete(batch, Durability.SPOOLED);
                    metrics.spooled(batch.size());
                    return;
                }
            } catch (IOException e) {
                spoolFailed(batch, e);
                return;
            }
        }
        List<MongoWriter.Entry> entries = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            entries.add(new MongoWriter.Entry(p.decoded.collection(), p.decoded.document()));
        }
        try {
            writer.write(entries);
        } catch (MongoWriter.UnavailableException e) {
            List<Pending> rest = new ArrayList<>();
            for (int i = 0; i < batch.size(); i++) {
                if (entries.get(i).outcome() == null && entries.get(i).error() == null) {
                    rest.add(batch.get(i));
                }
            }
            LOG.warn("MongoDB unavailable ({}): spooling {} message(s) to {}; they are replayed in order when it is"
                    + " back", e.getMessage(), rest.size(), spool.file());
            try {
                spool.append(records(rest));
                metrics.spooled(rest.size());
                complete(rest, Durability.SPOOLED);
            } catch (IOException io) {
                spoolFailed(rest, io);
            }
            synchronized (replayWakeup) {
                replayWakeup.notifyAll();
            }
        }
        for (int i = 0; i < batch.size(); i++) {
            MongoWriter.Entry entry = entries.get(i);
            if (entry.outcome() != null) {
                batch.get(i).durable(entry.outcome());
            } else if (entry.error() != null) {
                metrics.failed("write_error", 1);
                batch.get(i).future.completeExceptionally(new PersistenceUnavailableException(entry.error()));
            }
        }
    }

    private void spoolFailed(List<Pending> batch, IOException e) {
        String reason = e instanceof Spool.SpoolFullException ? "spool_full" : "spool_error";
        LOG.error("cannot spool {} message(s): {}; they are NOT acknowledged (devices will retry)", batch.size(),
                e.getMessage());
        fail(batch, reason, "MongoDB is unavailable and the spool refused the message: " + e.getMessage());
    }

    private void fail(List<Pending> batch, String reason, String message) {
        int n = 0;
        for (Pending p : batch) {
            if (p.future.completeExceptionally(new PersistenceUnavailableException(message))) {
                n++;
            }
        }
        if (n > 0) {
            metrics.failed(reason, n);
        }
    }

    private static void complete(List<Pending> batch, Durability durability) {
        for (Pending p : batch) {
            p.durable(durability);
        }
    }

    // --- replayer --------------------------------------------------------------------------------------------

    private void replayLoop() {
        boolean wasReplaying = false;
        long replayed = 0;
        while (!replayerStop) {
            try {
                if (spool.isEmpty()) {
                    if (!schema.ready()) {
                        connectEarly();
                    }
                    if (wasReplaying) {
                        LOG.info("spool drained: {} message(s) replayed to MongoDB; writing directly again", replayed);
                        wasReplaying = false;
                        replayed = 0;
                    }
                    synchronized (replayWakeup) {
                        if (spool.isEmpty() && !replayerStop) {
                            replayWakeup.wait(REPLAY_RETRY_MILLIS);
                        }
                    }
                    continue;
                }
                if (!wasReplaying) {
                    LOG.info("replaying {} spooled message(s) ({} bytes) to MongoDB", spool.records(), spool.bytes());
                    wasReplaying = true;
                }
                Spool.Chunk chunk = spool.peek(config.batchSize());
                List<MongoWriter.Entry> entries = new ArrayList<>(chunk.records().size());
                for (byte[] record : chunk.records()) {
                    entries.add(fromRecord(record));
                }
                try {
                    writer.write(entries);
                } catch (MongoWriter.UnavailableException e) {
                    LOG.debug("replay waits: {}", e.getMessage());
                    sleep(REPLAY_RETRY_MILLIS);
                    continue;
                }
                for (MongoWriter.Entry entry : entries) {
                    if (entry.error() != null) {
                        metrics.failed("replay_refused", 1);
                        LOG.error("spooled document {} was refused by MongoDB and is dropped from the spool: {}",
                                entry.document().get("_id"), entry.error());
                    }
                }
                spool.release(chunk);
                metrics.replayed(entries.size());
                replayed += entries.size();
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                LOG.error("spool replay failed; retrying in {} ms", REPLAY_RETRY_MILLIS, e);
                try {
                    sleep(REPLAY_RETRY_MILLIS);
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    /** Reach the server before the first message: collections, indexes and the log line about its kind. */
    private void connectEarly() {
        try {
            schema.ensure();
        } catch (com.mongodb.MongoException e) {
            LOG.debug("MongoDB not reachable yet: {}", e.getMessage());
        }
    }

    private void sleep(long millis) throws InterruptedException {
        synchronized (replayWakeup) {
            if (!replayerStop) {
                replayWakeup.wait(millis);
            }
        }
    }

    // --- spool records: BSON {c: collection, d: document} ----------------------------------------------------

    private static List<byte[]> records(List<Pending> batch) {
        List<byte[]> out = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            Document envelope = new Document("c", p.decoded.collection()).append("d", p.decoded.document());
            ByteBuffer bytes = new RawBsonDocument(envelope, CODEC).getByteBuffer().asNIO();
            byte[] record = new byte[bytes.remaining()];
            bytes.get(record);
            out.add(record);
        }
        return out;
    }

    private static MongoWriter.Entry fromRecord(byte[] record) {
        Document envelope = new RawBsonDocument(record).decode(CODEC);
        return new MongoWriter.Entry(envelope.getString("c"), envelope.get("d", Document.class));
    }

    // --- state for status and tests --------------------------------------------------------------------------

    /** Bytes waiting in the spool. */
    public long spoolBytes() {
        return spool.bytes();
    }

    public int queueDepth() {
        return queue.size();
    }

    /** What kind of server the sink writes to; null until it has reached one. */
    public Schema.ServerKind serverKind() {
        return schema.kind();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long graceMs = config.shutdownGrace().toMillis();
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMs + 1);
            for (Thread writer : writerThreads) {
                writer.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
            for (Thread writer : writerThreads) {
                if (writer.isAlive()) {
                    LOG.warn("{} still busy after {} ms; stopping it", writer.getName(), graceMs);
                    writer.interrupt();
                }
            }
            for (Thread writer : writerThreads) {
                writer.join(5_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Pending> left = new ArrayList<>();
        queue.drainTo(left);
        fail(left, "closed", "the telemetry sink closed before the message was written");
        replayerStop = true;
        synchronized (replayWakeup) {
            replayWakeup.notifyAll();
        }
        try {
            replayerThread.join(config.writeTimeout().toMillis() * (config.writeRetries() + 1) + 5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.close();
        spool.close();
        LOG.info("telemetry sink stopped ({} byte(s) left in the spool for the next start)", spool.bytes());
    }
}

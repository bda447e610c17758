package io.colmeia.persistence.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoException;
import com.mongodb.WriteConcern;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import io.colmeia.common.config.HostPort;
import io.colmeia.common.metrics.Metrics;
import io.colmeia.persistence.Durability;
import io.colmeia.persistence.Loopback;
import io.colmeia.persistence.MongoTelemetrySink;
import io.colmeia.persistence.PersistenceConfig;
import io.colmeia.persistence.TelemetryMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The store as a real process: what it acknowledged survives SIGKILL; the sink spools across its death. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class StoreProcessTest {

    private static final Logger LOG = LoggerFactory.getLogger(StoreProcessTest.class);

    @TempDir
    Path dir;

    private static MongoClient client(String uri) {
        return MongoClients.create(MongoClientSettings.builder()
                .applyConnectionString(new ConnectionString(uri))
                .writeConcern(WriteConcern.MAJORITY)
                .applyToClusterSettings(b -> b.serverSelectionTimeout(5, TimeUnit.SECONDS))
                .build());
    }

    @Test
    void everyAcknowledgedDocumentSurvivesKill9OfTheStore() throws Exception {
        HostPort address = Loopback.freeAddress();
        Path data = dir.resolve("store");
        List<String> acknowledged = new ArrayList<>();
        try (StoreProcess store = StoreProcess.start(address, data)) {
            AtomicBoolean stop = new AtomicBoolean();
            // Several connections at once: their writes share commits, and each must still be in the file
            // before its own reply leaves.
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                String prefix = "w" + w + "-";
                Thread writer = new Thread(() -> {
                    try (MongoClient client = client(store.connectionString())) {
                        MongoCollection<Document> c = client.getDatabase("t").getCollection("docs");
                        for (int batch = 0; batch < 1000 && !stop.get(); batch++) {
                            List<Document> docs = new ArrayList<>();
                            for (int i = 0; i < 100; i++) {
                                docs.add(new Document("_id", prefix + batch + "-" + i).append("v", i));
                            }
                            c.insertMany(docs);
                            synchronized (acknowledged) {
                                for (Document d : docs) {
                                    acknowledged.add(d.getString("_id"));
                                }
                            }
                        }
                    } catch (MongoException expected) {
                        // the store was killed under us
                    }
                }, "test-writer-" + w);
                writer.start();
                writers.add(writer);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                synchronized (acknowledged) {
                    return acknowledged.size() >= 2000;
                }
            });
            store.kill9(); // mid-stream, while writes are in flight
            stop.set(true);
            for (Thread writer : writers) {
                writer.join(30_000);
                assertThat(writer.isAlive()).isFalse();
            }
        }
        List<String> acked;
        synchronized (acknowledged) {
            acked = List.copyOf(acknowledged);
        }
        try (StoreProcess store = StoreProcess.start(address, data);
             MongoClient client = client(store.connectionString())) {
            MongoCollection<Document> c = client.getDatabase("t").getCollection("docs");
            long present = c.countDocuments(Filters.in("_id", acked));
            LOG.info("acknowledged {} documents before SIGKILL; {} present after restart, {} in total", acked.size(),
                    present, c.countDocuments());
            assertThat(present).isEqualTo(acked.size());
        }
    }

    @Test
    void sinkSpoolsWhileTheStoreIsDeadAndEveryAcknowledgedMessageIsStoredOnce() throws Exception {
        HostPort address = Loopback.freeAddress();
        Path data = dir.resolve("store");
        int total = 900;
        PersistenceConfig config = PersistenceConfig.defaults("mongodb://" + address + "/?replicaSet=rs0",
                dir.resolve("spool")).withWriteTimeout(Duration.ofSeconds(2));
        List<CompletableFuture<Durability>> futures = new ArrayList<>();
        StoreProcess store = StoreProcess.start(address, data);
        try (MongoTelemetrySink sink = MongoTelemetrySink.start(config, Metrics.create("broker", "b1"))) {
            for (int i = 0; i < total; i++) {
                futures.add(sink.submit(seed(i)));
                if (i == total / 3) {
                    await().atMost(Duration.ofSeconds(30)).until(() -> futures.get(total / 3).isDone());
                    store.kill9();
                }
                if (i == 2 * total / 3) {
                    await().atMost(Duration.ofSeconds(30)).until(() -> futures.get(2 * total / 3).isDone());
                    store = StoreProcess.start(address, data);
                }
                if (i % 100 == 0) {
                    Thread.sleep(5); // a steady stream rather than one burst
                }
            }
            Map<Durability, Integer> outcomes = new EnumMap<>(Durability.class);
            for (CompletableFuture<Durability> f : futures) {
                outcomes.merge(f.get(60, TimeUnit.SECONDS), 1, Integer::sum);
            }
            LOG.info("outcomes: {}", outcomes);
            assertThat(outcomes.get(Durability.SPOOLED)).isPositive();
            await().atMost(Duration.ofSeconds(60)).until(() -> sink.spoolBytes() == 0);

            try (MongoClient client = client(store.connectionString())) {
                MongoCollection<Document> telemetry = client.getDatabase("colmeia").getCollection("telemetry");
                assertThat(telemetry.countDocuments()).isEqualTo(total);
                List<Object> distinct = telemetry.distinct("luminosity", Double.class).into(new ArrayList<>());
                assertThat(distinct).hasSize(total);
            }
        } finally {
            store.close();
        }
    }

    /** A bounded measurement, not a check of speed: run with -Dcolmeia.bench=true (skipped otherwise). */
    @Test
    @EnabledIfSystemProperty(named = "colmeia.bench", matches = "true")
    void throughputIntoTheEmbeddedStoreProcess() throws Exception {
        HostPort address = Loopback.freeAddress();
        int total = 3_000;
        io.micrometer.prometheusmetrics.PrometheusMeterRegistry registry = Metrics.create("broker", "b1");
        try (StoreProcess store = StoreProcess.start(address, dir.resolve("store"));
             MongoTelemetrySink sink = MongoTelemetrySink.start(PersistenceConfig.defaults(store.connectionString(),
                     dir.resolve("spool")), registry)) {
            // connect and create the schema first
            assertThat(sink.submit(seed(total)).get(30, TimeUnit.SECONDS)).isEqualTo(Durability.STORED);
            List<CompletableFuture<Durability>> futures = new ArrayList<>(total);
            long start = System.nanoTime();
            for (int i = 0; i < total; i++) {
                futures.add(sink.submit(seed(i)));
            }
            for (CompletableFuture<Durability> f : futures) {
                assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(Durability.STORED);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            LOG.info("MEASURED: {} seed messages decoded, written (majority) and acknowledged by the embedded store"
                    + " process in {} s: {} docs/s (load average {})", total, String.format("%.2f", seconds),
                    String.format("%.0f", total / seconds),
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
            io.micrometer.core.instrument.DistributionSummary batches =
                    registry.get("colmeia_persistence_batch_documents").summary();
            io.micrometer.core.instrument.Timer writes = registry.get("colmeia_persistence_write_latency").timer();
            LOG.info("MEASURED: {} batches, mean {} docs; {} insertMany calls, mean {} ms", batches.count(),
                    String.format("%.0f", batches.mean()), writes.count(),
                    String.format("%.1f", writes.mean(TimeUnit.MILLISECONDS)));
            try (MongoClient client = client(store.connectionString())) {
                assertThat(client.getDatabase("colmeia").getCollection("telemetry").countDocuments())
                        .isEqualTo(total + 1);
            }
        }
    }

    private static TelemetryMessage seed(int i) {
        String payload = "{\"Mac\":\"A0:20:A6:15:F5:B5\",\"Data\":\"" + (1_700_000_000L + i)
                + "\",\"Temperatura\":24.00,\"Umidade\":32.00,\"Luminosidade\":" + i + "}";
        return new TelemetryMessage("sensors/esp-1", payload.getBytes(StandardCharsets.UTF_8), 1, "esp-1", "b1",
                Instant.now());
    }
}

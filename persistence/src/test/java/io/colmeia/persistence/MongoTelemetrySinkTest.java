package io.colmeia.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import io.colmeia.common.config.HostPort;
import io.colmeia.common.metrics.Metrics;
import io.colmeia.persistence.schema.Schema;
import io.colmeia.persistence.store.EmbeddedStore;
import io.colmeia.persistence.store.StoreConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MongoTelemetrySinkTest {

    static final String SEED =
            "{\"Mac\":\"A0:20:A6:15:F5:B5\",\"Data\":\"1511400053\",\"Temperatura\":24.00,\"Umidade\":32.00,"
                    + "\"Luminosidade\":847}";

    @TempDir
    Path dir;

    private final List<AutoCloseable> resources = new ArrayList<>();
    private HostPort address;
    private PrometheusMeterRegistry registry;

    @BeforeEach
    void setUp() {
        address = Loopback.freeAddress();
        registry = Metrics.create("broker", "broker-test");
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private EmbeddedStore startStore() {
        EmbeddedStore store = EmbeddedStore.start(new StoreConfig("store-test", address, null, "rs0",
                dir.resolve("store"), null, false), registry);
        resources.add(store);
        return store;
    }

    private String uri() {
        return "mongodb://" + address + "/?replicaSet=rs0";
    }

    private MongoTelemetrySink startSink(PersistenceConfig config) {
        MongoTelemetrySink sink = MongoTelemetrySink.start(config, registry);
        resources.add(sink);
        return sink;
    }

    private PersistenceConfig config() {
        return PersistenceConfig.defaults(uri(), dir.resolve("spool")).withWriteTimeout(Duration.ofSeconds(2));
    }

    private MongoCollection<Document> collection(String name) {
        MongoClient client = MongoClients.create(uri());
        resources.add(client);
        return client.getDatabase("colmeia").getCollection(name);
    }

    static TelemetryMessage message(String clientId, String payload) {
        return new TelemetryMessage("sensors/" + clientId, payload.getBytes(StandardCharsets.UTF_8), 1, clientId,
                "broker-1", Instant.now());
    }

    static String seed(int i) {
        return "{\"Mac\":\"A0:20:A6:15:F5:B5\",\"Data\":\"" + (1_700_000_000L + i) + "\",\"Temperatura\":"
                + (i % 50) + ",\"Umidade\":32,\"Luminosidade\":" + i + "}";
    }

    static Durability get(CompletableFuture<Durability> future) throws Exception {
        return future.get(30, TimeUnit.SECONDS);
    }

    @Test
    void seedMessageIsStoredTypedWithMajorityAndReportedStored() throws Exception {
        startStore();
        MongoTelemetrySink sink = startSink(config());

        assertThat(get(sink.submit(message("esp-1", SEED)))).isEqualTo(Durability.STORED);

        Document doc = collection("telemetry").find().first();
        assertThat(doc).isNotNull();
        assertThat(doc.getString("mac")).isEqualTo("A0:20:A6:15:F5:B5");
        assertThat(doc.getDouble("temperature")).isEqualTo(24.0);
        assertThat(doc.get("meta", Document.class).getString("device")).isEqualTo("A0:20:A6:15:F5:B5");
        assertThat(sink.serverKind()).isEqualTo(Schema.ServerKind.EMBEDDED_STORE);
    }

    @Test
    void sameMessageTwiceIsStoredOnce() throws Exception {
        startStore();
        MongoTelemetrySink sink = startSink(config());

        assertThat(get(sink.submit(message("esp-1", SEED)))).isEqualTo(Durability.STORED);
        assertThat(get(sink.submit(message("esp-1", SEED)))).isEqualTo(Durability.DUPLICATE);

        assertThat(collection("telemetry").countDocuments()).isEqualTo(1);
        assertThat(registry.scrape()).contains("colmeia_persistence_duplicates_total{node=\"broker-test\"} 1");
    }

    @Test
    void duplicatesInsideOneBatchAreStoredOnce() throws Exception {
        startStore();
        MongoTelemetrySink sink = startSink(config().withBatch(100, Duration.ofMillis(200)));
        List<CompletableFuture<Durability>> futures = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            futures.add(sink.submit(message("esp-1", SEED)));
        }
        List<Durability> outcomes = new ArrayList<>();
        for (CompletableFuture<Durability> f : futures) {
            outcomes.add(get(f));
        }
        assertThat(outcomes).containsOnly(Durability.STORED, Durability.DUPLICATE);
        assertThat(outcomes).filteredOn(d -> d == Durability.STORED).hasSize(1);
        assertThat(collection("telemetry").countDocuments()).isEqualTo(1);
    }

    @Test
    void invalidPayloadIsStoredInRejectedWithItsReason() throws Exception {
        startStore();
        MongoTelemetrySink sink = startSink(config());

        assertThat(get(sink.submit(message("esp-1", "{\"Mac\":\"bogus\",\"Temperatura\":1}"))))
                .isEqualTo(Durability.REJECTED);

        assertThat(collection("telemetry").countDocuments()).isZero();
        Document rejected = collection("telemetry_rejected").find().first();
        assertThat(rejected).isNotNull();
        assertThat(rejected.get("reason", Document.class))
                .containsEntry("field", "Mac").containsEntry("code", "invalid_mac");
        assertThat(registry.scrape())
                .contains("colmeia_persistence_rejected_total{field=\"Mac\",node=\"")
                .doesNotContain("colmeia_persistence_failed_total{");
    }

    @Test
    void storeDownMeansSpooledThenReplayedWhenBack() throws Exception {
        EmbeddedStore store = startStore();
        MongoTelemetrySink sink = startSink(config());
        assertThat(get(sink.submit(message("esp-1", seed(0))))).isEqualTo(Durability.STORED);
        store.close();

        List<CompletableFuture<Durability>> spooled = new ArrayList<>();
        for (int i = 1; i <= 100; i++) {
            spooled.add(sink.submit(message("esp-1", seed(i))));
        }
        for (CompletableFuture<Durability> f : spooled) {
            assertThat(get(f)).isEqualTo(Durability.SPOOLED);
        }
        assertThat(sink.spoolBytes()).isPositive();
        assertThat(registry.scrape()).containsPattern("colmeia_persistence_spool_bytes\\{node=\"[^\"]*\"} [1-9]");

        startStore();
        await().atMost(Duration.ofSeconds(30)).until(() -> sink.spoolBytes() == 0);
        assertThat(get(sink.submit(message("esp-1", seed(101))))).isEqualTo(Durability.STORED);

        MongoCollection<Document> telemetry = collection("telemetry");
        assertThat(telemetry.countDocuments()).isEqualTo(102);
        Set<Double> luminosities = new HashSet<>();
        for (Document d : telemetry.find()) {
            luminosities.add(d.getDouble("luminosity"));
        }
        assertThat(luminosities).hasSize(102);
    }

    @Test
    void spoolSurvivesASinkRestartAndIsReplayed() throws Exception {
        MongoTelemetrySink first = MongoTelemetrySink.start(config(), registry);
        try {
            for (int i = 0; i < 20; i++) {
                assertThat(get(first.submit(message("esp-9", seed(i))))).isEqualTo(Durability.SPOOLED);
            }
        } finally {
            first.close();
        }
        startStore();
        MongoTelemetrySink second = startSink(config());
        await().atMost(Duration.ofSeconds(30)).until(() -> second.spoolBytes() == 0);
        assertThat(collection("telemetry").countDocuments()).isEqualTo(20);
    }

    @Test
    void fullQueueRefusesAtOnceInsteadOfDropping() throws Exception {
        // No store: each of the two writers waits for a server with one message while the queue fills.
        MongoTelemetrySink sink = startSink(config().withWriteTimeout(Duration.ofSeconds(3))
                .withBatch(1, Duration.ZERO).withQueue(1, Duration.ZERO).withWriteConcurrency(2));
        CompletableFuture<Durability> first = sink.submit(message("esp-1", seed(1)));
        await().atMost(Duration.ofSeconds(5)).until(() -> sink.queueDepth() == 0);
        CompletableFuture<Durability> second = sink.submit(message("esp-1", seed(2)));
        await().atMost(Duration.ofSeconds(5)).until(() -> sink.queueDepth() == 0);
        CompletableFuture<Durability> third = sink.submit(message("esp-1", seed(3)));
        CompletableFuture<Durability> fourth = sink.submit(message("esp-1", seed(4)));

        assertThat(fourth).isCompletedExceptionally();
        assertThat(fourth.handle((d, e) -> e).get()).isInstanceOf(PersistenceUnavailableException.class)
                .hasMessageContaining("queue is full");
        assertThat(get(first)).isEqualTo(Durability.SPOOLED);
        assertThat(get(second)).isEqualTo(Durability.SPOOLED);
        assertThat(get(third)).isEqualTo(Durability.SPOOLED);
        assertThat(registry.scrape()).contains("colmeia_persistence_failed_total{node=\"broker-test\",reason=\"queue_full\"} 1");
    }

    @Test
    void submitAfterCloseFails() {
        MongoTelemetrySink sink = MongoTelemetrySink.start(config(), registry);
        sink.close();
        CompletableFuture<Durability> f = sink.submit(message("esp-1", SEED));
        assertThat(f).isCompletedExceptionally();
        try {
            f.get();
        } catch (InterruptedException | ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(PersistenceUnavailableException.class);
        }
    }

    @Test
    void metricsFollowPrometheusNaming() throws Exception {
        startStore();
        MongoTelemetrySink sink = startSink(config());
        get(sink.submit(message("esp-1", SEED)));
        String scrape = registry.scrape();
        assertThat(scrape)
                .contains("colmeia_persistence_write_latency_seconds_count{")
                .contains("colmeia_persistence_batch_documents_count{")
                .contains("colmeia_persistence_queue_depth{")
                .contains("colmeia_persistence_spool_bytes{")
                .contains("colmeia_persistence_spool_records{")
                .contains("colmeia_persistence_written_total{collection=\"telemetry\"")
                .contains("colmeia_persistence_retries_total{");
    }
}

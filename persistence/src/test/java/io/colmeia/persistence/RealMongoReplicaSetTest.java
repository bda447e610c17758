package io.colmeia.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import io.colmeia.common.metrics.Metrics;
import io.colmeia.persistence.schema.Schema;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.mongodb.MongoDBContainer;

/**
 * The real thing: a MongoDB 8.0 replica set in Docker. Skipped (reported as skipped) where Docker is absent.
 * Covers what the embedded store cannot: the time-series copy, majority writes on a real replica set,
 * dedupe, and a primary step-down in the middle of a stream.
 */
@Testcontainers(disabledWithoutDocker = true)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RealMongoReplicaSetTest {

    @Container
    static final MongoDBContainer MONGO = new MongoDBContainer("mongo:8.0").withReplicaSet();

    @TempDir
    Path dir;

    private MongoClient client;
    private MongoDatabase db;
    private MongoTelemetrySink sink;

    @BeforeEach
    void setUp() {
        client = MongoClients.create(MONGO.getReplicaSetUrl("colmeia"));
        db = client.getDatabase("colmeia");
        db.drop();
        sink = MongoTelemetrySink.start(PersistenceConfig.defaults(MONGO.getReplicaSetUrl("colmeia"),
                dir.resolve("spool")).withWriteTimeout(Duration.ofSeconds(5)), Metrics.create("broker", "b1"));
    }

    @AfterEach
    void tearDown() {
        if (sink != null) {
            sink.close();
        }
        if (client != null) {
            client.close();
        }
    }

    private static TelemetryMessage seed(int i) {
        String payload = "{\"Mac\":\"A0:20:A6:15:F5:B5\",\"Data\":\"" + (1_700_000_000L + i)
                + "\",\"Temperatura\":24.00,\"Umidade\":32.00,\"Luminosidade\":" + i + "}";
        return new TelemetryMessage("sensors/esp-1", payload.getBytes(StandardCharsets.UTF_8), 1, "esp-1", "b1",
                Instant.now());
    }

    @Test
    void createsTelemetryWithDedupeAndATimeSeriesCopy() throws Exception {
        assertThat(sink.submit(seed(1)).get(60, TimeUnit.SECONDS)).isEqualTo(Durability.STORED);

        assertThat(sink.serverKind()).isEqualTo(Schema.ServerKind.REPLICA_SET);
        Document telemetry = db.listCollections().filter(new Document("name", "telemetry")).first();
        assertThat(telemetry).isNotNull();
        assertThat(telemetry.getString("type")).isEqualTo("collection");
        Document ts = db.listCollections().filter(new Document("name", "telemetry_ts")).first();
        assertThat(ts).isNotNull();
        assertThat(ts.getString("type")).isEqualTo("timeseries");
        Document options = ts.get("options", Document.class).get("timeseries", Document.class);
        assertThat(options.getString("timeField")).isEqualTo("ts");
        assertThat(options.getString("metaField")).isEqualTo("meta");
        List<String> indexes = new ArrayList<>();
        for (Document index : db.getCollection("telemetry").listIndexes()) {
            indexes.add(index.getString("name"));
        }
        assertThat(indexes).contains("device_ts");
    }

    @Test
    void sameMessageTwiceIsStoredOnceInBothCollections() throws Exception {
        assertThat(sink.submit(seed(7)).get(60, TimeUnit.SECONDS)).isEqualTo(Durability.STORED);
        assertThat(sink.submit(seed(7)).get(60, TimeUnit.SECONDS)).isEqualTo(Durability.DUPLICATE);

        assertThat(db.getCollection("telemetry").countDocuments()).isEqualTo(1);
        assertThat(db.getCollection("telemetry_ts").countDocuments()).isEqualTo(1);
        Document doc = db.getCollection("telemetry_ts").find().first();
        assertThat(doc.getDouble("luminosity")).isEqualTo(7.0);
    }

    /**
     * Exactly once with retransmissions: every reading is submitted, a third of them a second time (a device that
     * missed its PUBACK) and a sixth through a second sink (the device reconnected to another replica).
     */
    @Test
    void everyAcknowledgedMessageIsStoredExactlyOnceDespiteRetransmissions() throws Exception {
        int total = 3000;
        List<CompletableFuture<Durability>> futures = new ArrayList<>();
        try (MongoTelemetrySink other = MongoTelemetrySink.start(PersistenceConfig.defaults(
                MONGO.getReplicaSetUrl("colmeia"), dir.resolve("spool-2")).withWriteTimeout(Duration.ofSeconds(5)),
                Metrics.create("broker", "b2"))) {
            for (int i = 0; i < total; i++) {
                futures.add(sink.submit(seed(i)));
                if (i % 3 == 0) {
                    futures.add(sink.submit(seed(i)));
                }
                if (i % 6 == 0) {
                    futures.add(other.submit(seed(i)));
                }
            }
            for (CompletableFuture<Durability> f : futures) {
                assertThat(f.get(120, TimeUnit.SECONDS)).isIn(Durability.STORED, Durability.DUPLICATE,
                        Durability.SPOOLED);
            }
            await().atMost(Duration.ofSeconds(90)).until(() -> sink.spoolBytes() == 0 && other.spoolBytes() == 0);
        }
        assertThat(db.getCollection("telemetry").countDocuments()).isEqualTo(total);
        assertThat(db.getCollection("telemetry").distinct("luminosity", Double.class).into(new ArrayList<>()))
                .hasSize(total);
        // the time-series copy receives only newly written documents: no duplicates there either
        assertThat(db.getCollection("telemetry_ts").countDocuments()).isEqualTo(total);
    }

    @Test
    void everyMessageIsStoredOnceAcrossAPrimaryStepDown() throws Exception {
        int total = 3000;
        List<CompletableFuture<Durability>> futures = new ArrayList<>();
        long streamStart = System.nanoTime();
        for (int i = 0; i < total; i++) {
            futures.add(sink.submit(seed(i)));
            if (i == total / 4) {
                try {
                    // A one-member set steps down (force: no electable secondary), then elects itself again after
                    // the 5 s; the stream goes on meanwhile.
                    client.getDatabase("admin").runCommand(new Document("replSetStepDown", 5).append("force", true));
                } catch (MongoException expected) {
                    // the step-down closes connections, including this one
                }
            }
            if (i % 30 == 0) {
                Thread.sleep(50); // ~5 s of stream: it spans the step-down and the election
            }
        }
        for (CompletableFuture<Durability> f : futures) {
            assertThat(f.get(120, TimeUnit.SECONDS)).isIn(Durability.STORED, Durability.DUPLICATE,
                    Durability.SPOOLED);
        }
        assertThat(System.nanoTime() - streamStart).isGreaterThan(TimeUnit.SECONDS.toNanos(4));
        await().atMost(Duration.ofSeconds(90)).until(() -> sink.spoolBytes() == 0);
        assertThat(db.getCollection("telemetry").countDocuments()).isEqualTo(total);
        assertThat(db.getCollection("telemetry").distinct("luminosity", Double.class).into(new ArrayList<>()))
                .hasSize(total);
    }
}

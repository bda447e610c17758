package io.colmeia.broker.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import io.colmeia.common.config.HostPort;
import io.colmeia.common.testing.FreePorts;
import io.colmeia.common.testing.MqttClients;
import io.colmeia.persistence.store.EmbeddedStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acknowledged means durable, end to end: MQTT clients over real sockets, a broker replica in its own JVM with
 * ack=persisted, the embedded store. Each test counts the PUBACKs the clients saw and then reads the store.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class TelemetryEndToEndTest {

    private static final String HOST = "127.0.4.10";

    @TempDir
    Path dir;

    private HostPort storeAddress;
    private EmbeddedStore store;
    private TelemetryReplicaProcess replica;
    private MongoClient mongo;

    @BeforeEach
    void start() {
        storeAddress = FreePorts.on("127.0.4.11");
        store = TelemetryFixtures.store(storeAddress, dir.resolve("store"));
        String uri = "mongodb://" + storeAddress + "/?replicaSet=rs0";
        replica = new TelemetryReplicaProcess("e2e-1", HOST, dir.resolve("replica"), uri).start();
        mongo = MongoClients.create(uri);
    }

    @AfterEach
    void stop() {
        try {
            if (replica != null) {
                replica.close();
            }
        } finally {
            if (mongo != null) {
                mongo.close();
            }
            if (store != null) {
                store.close();
            }
        }
    }

    private MongoCollection<Document> collection(String name) {
        return mongo.getDatabase("colmeia").getCollection(name);
    }

    /** "clientId/luminosity" → how many documents carry it, for the clients whose id starts with {@code prefix}. */
    private Map<String, Integer> storedReadings(String prefix) {
        Map<String, Integer> stored = new HashMap<>();
        for (Document doc : collection("telemetry").find(new Document("meta.clientId",
                new Document("$regex", "^" + prefix + "-")))) {
            String key = doc.get("meta", Document.class).getString("clientId") + "/"
                    + Math.round(doc.getDouble("luminosity"));
            stored.merge(key, 1, Integer::sum);
        }
        return stored;
    }

    @Test
    void tenThousandQos1PublishesFrom100ClientsAreExactlyTenThousandTypedDocuments() throws Exception {
        int devices = 100;
        int perDevice = 100;
        try (Fleet fleet = new Fleet(replica.mqtt, "fleet", devices)) {
            fleet.publishAll(perDevice, 180_000);
            assertThat(fleet.failures).hasValue(0);
            assertThat(fleet.acknowledged).hasSize(devices * perDevice);
        }

        // acknowledged means durable: every reading is there now, without waiting
        MongoCollection<Document> telemetry = collection("telemetry");
        assertThat(telemetry.countDocuments()).isEqualTo(devices * perDevice);
        Set<String> seen = new HashSet<>();
        for (Document doc : telemetry.find()) {
            Document meta = doc.get("meta", Document.class);
            String clientId = meta.getString("clientId");
            int device = Integer.parseInt(clientId.substring("fleet-".length()));
            long seq = Math.round(doc.getDouble("luminosity"));
            assertThat(seen.add(clientId + "/" + seq)).as("stored once: %s/%s", clientId, seq).isTrue();
            assertThat(doc.getString("kind")).isEqualTo("esp8266");
            assertThat(doc.getString("mac")).isEqualTo(Fleet.mac(device));
            assertThat(meta.getString("device")).isEqualTo(Fleet.mac(device));
            assertThat(meta.getString("topic")).isEqualTo(Fleet.topic(clientId));
            assertThat(meta.getString("node")).isEqualTo("e2e-1");
            assertThat(doc.getInteger("qos")).isEqualTo(1);
            assertThat(doc.get("deviceTime", Date.class)).isEqualTo(new Date((Fleet.BASE_TIME + seq) * 1000));
            assertThat(doc.get("ts", Date.class)).isEqualTo(doc.get("deviceTime", Date.class));
            assertThat(doc.get("receivedAt")).isInstanceOf(Date.class);
            assertThat(doc.getDouble("temperature")).isEqualTo(20 + seq % 10 + 0.5);
            assertThat(doc.getDouble("humidity")).isEqualTo(40.0 + device % 50);
        }
        assertThat(seen).hasSize(devices * perDevice);
        assertThat(replica.metric("colmeia_broker_telemetry_tapped_total{node=\"e2e-1\",outcome=\"stored\"}"))
                .isEqualTo(devices * perDevice);
    }

    @Test
    void invalidPayloadsAreAcknowledgedAndLandInTelemetryRejectedWithTheirReasons() throws Exception {
        Map<String, String> payloads = Map.of(
                "Mac:invalid_mac", "{\"Mac\":\"A0:20:A6:15:F5\",\"Data\":\"1511400053\",\"Temperatura\":24.0}",
                "Temperatura:not_numeric", "{\"Mac\":\"A0:20:A6:15:F5:B5\",\"Temperatura\":\"hot\"}",
                "Umidade:out_of_range", "{\"Mac\":\"A0:20:A6:15:F5:B5\",\"Umidade\":140}",
                "Data:absurd_timestamp", "{\"Mac\":\"A0:20:A6:15:F5:B5\",\"Data\":\"99999999999\"}",
                "json:malformed", "{\"Mac\":\"A0:20:A6:15:F5:B5\",",
                "payload:too_large", "{\"Mac\":\"" + "x".repeat(70_000) + "\"}");
        MqttClient client = MqttClients.connect(replica.mqtt.toString(), "bad-1", true);
        try {
            for (String payload : payloads.values()) {
                // returns on PUBACK: a bad payload is kept, so it is acknowledged (retrying cannot fix it)
                client.publish("colmeia/bad-1/leituras", payload.getBytes(StandardCharsets.UTF_8), 1, false);
            }
        } finally {
            MqttClients.closeQuietly(client);
        }

        assertThat(collection("telemetry").countDocuments()).isZero();
        Set<String> reasons = new HashSet<>();
        for (Document doc : collection("telemetry_rejected").find()) {
            Document reason = doc.get("reason", Document.class);
            reasons.add(reason.getString("field") + ":" + reason.getString("code"));
            assertThat(reason.getString("detail")).isNotBlank();
            assertThat(doc.get("meta", Document.class).getString("clientId")).isEqualTo("bad-1");
            assertThat(doc.get("payload")).isNotNull();
        }
        assertThat(reasons).containsExactlyInAnyOrderElementsOf(payloads.keySet());
        assertThat(replica.metric("colmeia_broker_telemetry_tapped_total{node=\"e2e-1\",outcome=\"rejected\"}"))
                .isEqualTo(payloads.size());
        assertThat(replica.metric("colmeia_broker_telemetry_tapped_total{node=\"e2e-1\",outcome=\"stored\"}"))
                .isZero();
        for (String reason : payloads.keySet()) {
            String[] fieldCode = reason.split(":");
            assertThat(replica.metric("colmeia_persistence_rejected_total{field=\"" + fieldCode[0] + "\",node=\"e2e-1\","
                    + "reason=\"" + fieldCode[1] + "\"}")).as(reason).isEqualTo(1);
        }
    }

    @Test
    void storeStoppedMidStreamPublishesAreStillAcknowledgedAndStoredOnceWhenItIsBack() throws Exception {
        int devices = 20;
        int perDevice = 60;
        try (Fleet fleet = new Fleet(replica.mqtt, "spool", devices)) {
            Thread stopper = new Thread(() -> {
                await().atMost(Duration.ofSeconds(120)).until(() -> fleet.acknowledged.size() >= devices * perDevice / 4);
                store.close(); // mid-stream
            }, "store-stopper");
            stopper.start();
            fleet.publishAll(perDevice, 180_000);
            stopper.join(10_000);
            assertThat(fleet.failures).hasValue(0);
            assertThat(fleet.acknowledged).hasSize(devices * perDevice); // every one, store or no store
        }
        assertThat(replica.metric("colmeia_broker_telemetry_tapped_total{node=\"e2e-1\",outcome=\"spooled\"}"))
                .isPositive();

        store = TelemetryFixtures.store(storeAddress, dir.resolve("store"));
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                .until(() -> replica.metric("colmeia_persistence_spool_bytes{") == 0);
        Map<String, Integer> stored = storedReadings("spool");
        assertThat(stored).hasSize(devices * perDevice);
        assertThat(stored.values()).containsOnly(1);
    }

    @Test
    void replicaSigkilledMidStreamEveryAcknowledgedMessageIsStoredOnce() throws Exception {
        int devices = 20;
        int perDevice = 120;
        Set<String> acknowledged;
        Set<String> sent;
        try (Fleet fleet = new Fleet(replica.mqtt, "kill", devices)) {
            Thread killer = new Thread(() -> {
                await().atMost(Duration.ofSeconds(120)).until(() -> fleet.acknowledged.size() >= 600);
                replica.kill9(); // mid-stream: PUBLISHes in flight, batches being written
            }, "replica-killer");
            killer.start();
            fleet.publishAll(perDevice, 120_000);
            killer.join(30_000);
            acknowledged = Set.copyOf(fleet.acknowledged);
            sent = Set.copyOf(fleet.sent);
        }
        assertThat(acknowledged.size()).isGreaterThanOrEqualTo(600).isLessThan(devices * perDevice);

        // acknowledged before the kill: already in the store, exactly once
        Map<String, Integer> stored = storedReadings("kill");
        assertThat(stored.keySet()).containsAll(acknowledged);
        assertThat(stored.values()).containsOnly(1);

        // the replica comes back; the devices retransmit what they never saw acknowledged
        replica.start();
        int retransmitted = 0;
        try (Fleet again = new Fleet(replica.mqtt, "kill", devices)) {
            for (String key : sent) {
                if (!acknowledged.contains(key)) {
                    String[] parts = key.split("/");
                    int device = Integer.parseInt(parts[0].substring("kill-".length()));
                    int seq = Integer.parseInt(parts[1]);
                    again.publish(device, seq, seq + 1);
                    retransmitted++;
                }
            }
            again.awaitInFlight(60_000);
            assertThat(again.failures).hasValue(0);
            assertThat(again.acknowledged).hasSize(retransmitted);
        }
        stored = storedReadings("kill");
        assertThat(stored.keySet()).containsAll(acknowledged).containsAll(sent).hasSize(sent.size());
        assertThat(stored.values()).containsOnly(1);
    }
}

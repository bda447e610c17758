package io.colmeia.broker.telemetry;

import io.colmeia.common.testing.FreePorts;
import static io.colmeia.broker.telemetry.TelemetryFixtures.SEED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import io.colmeia.broker.BrokerReplica;
import io.colmeia.common.config.HostPort;
import io.colmeia.persistence.store.EmbeddedStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.bson.Document;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** A replica with the tap on, writing to an in-process embedded store over real sockets. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TelemetryTapTest {

    private Path dir;
    private HostPort storeAddress;
    private EmbeddedStore store;
    private BrokerReplica replica;
    private MongoClient mongo;
    private MongoCollection<Document> telemetry;

    @BeforeAll
    void start(@TempDir Path dir) {
        this.dir = dir;
        storeAddress = FreePorts.on("127.0.4.1");
        store = TelemetryFixtures.store(storeAddress, dir.resolve("store"));
        String uri = "mongodb://" + storeAddress + "/?replicaSet=rs0";
        replica = new BrokerReplica(TelemetryFixtures.replica("tap-1", "127.0.4.2", dir.resolve("broker"),
                TelemetryFixtures.on(TelemetryFixtures.sink(uri, dir.resolve("broker/spool")))));
        replica.start();
        mongo = MongoClients.create(uri);
        telemetry = mongo.getDatabase("colmeia").getCollection("telemetry");
    }

    @AfterAll
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

    @Test
    void acknowledgedQos1SeedPublishIsATypedDocumentInTelemetry() throws Exception {
        publish("esp-a", "colmeia/esp-a/leituras", SEED);

        // ack=persisted: the PUBACK came after the write, so the document is there now, without waiting
        Document doc = telemetry.find(new Document("meta.clientId", "esp-a")).first();
        assertThat(doc).isNotNull();
        Document meta = doc.get("meta", Document.class);
        assertThat(meta.getString("node")).isEqualTo("tap-1");
        assertThat(meta.getString("topic")).isEqualTo("colmeia/esp-a/leituras");
        assertThat(meta.getString("device")).isEqualTo("A0:20:A6:15:F5:B5");
        assertThat(doc.getString("mac")).isEqualTo("A0:20:A6:15:F5:B5");
        assertThat(doc.getDouble("temperature")).isEqualTo(24.0);
        assertThat(doc.getDouble("humidity")).isEqualTo(32.0);
        assertThat(doc.getDouble("luminosity")).isEqualTo(847.0);
        assertThat(doc.getInteger("qos")).isEqualTo(1);
    }

    @Test
    void aRetransmittedPublishIsStoredOnce() throws Exception {
        String payload = SEED.replace("1511400053", "1511400099");
        publish("esp-b", "colmeia/esp-b/leituras", payload);
        publish("esp-b", "colmeia/esp-b/leituras", payload);

        assertThat(telemetry.countDocuments(new Document("meta.clientId", "esp-b"))).isEqualTo(1);
        String metrics = TelemetryFixtures.metrics(replica.config().http());
        assertThat(TelemetryFixtures.metric(metrics,
                "colmeia_broker_telemetry_tapped_total{node=\"tap-1\",outcome=\"duplicate\"}")).isGreaterThanOrEqualTo(1);
        assertThat(metrics).contains("colmeia_broker_telemetry_ack_wait_seconds_count{node=\"tap-1\"}");
    }

    @Test
    void withTheStoreDownPublishesAreAcknowledgedAndStoredOnceWhenItIsBack() throws Exception {
        store.close();
        int devices = 5;
        List<MqttAsyncClient> clients = new ArrayList<>();
        try {
            List<IMqttDeliveryToken> acks = new ArrayList<>();
            for (int i = 0; i < devices; i++) {
                MqttAsyncClient client = new MqttAsyncClient("tcp://" + replica.config().mqtt(), "esp-down-" + i,
                        new MemoryPersistence());
                clients.add(client);
                client.connect(options()).waitForCompletion(10_000);
                acks.add(client.publish("colmeia/esp-down-" + i + "/leituras",
                        SEED.replace("1511400053", String.valueOf(1_600_000_000L + i))
                                .getBytes(StandardCharsets.UTF_8), 1, false));
            }
            for (IMqttDeliveryToken ack : acks) {
                ack.waitForCompletion(20_000); // throws when not acknowledged in time
                assertThat(ack.isComplete()).isTrue();
                assertThat(ack.getException()).isNull();
            }
        } finally {
            for (MqttAsyncClient client : clients) {
                close(client);
            }
        }
        assertThat(TelemetryFixtures.metric(TelemetryFixtures.metrics(replica.config().http()),
                "colmeia_broker_telemetry_tapped_total{node=\"tap-1\",outcome=\"spooled\"}")).isEqualTo(devices);

        store = TelemetryFixtures.store(storeAddress, dir.resolve("store"));
        Document down = new Document("meta.clientId", new Document("$regex", "^esp-down-"));
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertThat(telemetry.countDocuments(down)).isEqualTo(devices));
        assertThat(telemetry.distinct("meta.clientId", down, String.class).into(new ArrayList<>()))
                .hasSize(devices);
    }

    private void publish(String clientId, String topic, String payload) throws Exception {
        MqttClient client = new MqttClient("tcp://" + replica.config().mqtt(), clientId, new MemoryPersistence());
        try {
            client.connect(options());
            client.publish(topic, payload.getBytes(StandardCharsets.UTF_8), 1, false); // returns on PUBACK
        } finally {
            if (client.isConnected()) {
                client.disconnect();
            }
            client.close();
        }
    }

    private static MqttConnectOptions options() {
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(true);
        options.setConnectionTimeout(10);
        options.setAutomaticReconnect(false);
        return options;
    }

    private static void close(MqttAsyncClient client) {
        try {
            if (client.isConnected()) {
                client.disconnect().waitForCompletion(5_000);
            }
            client.close();
        } catch (Exception e) {
            // the test's own assertions matter more than a failed close
        }
    }
}

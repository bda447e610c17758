package io.colmeia.broker.telemetry;

import io.colmeia.common.testing.FreePorts;
import static io.colmeia.broker.telemetry.TelemetryFixtures.SEED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.colmeia.broker.BrokerReplica;
import io.colmeia.common.config.HostPort;
import io.colmeia.common.testing.MqttClients;
import io.colmeia.persistence.MongoTelemetrySink;
import io.colmeia.persistence.store.EmbeddedStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Replicas that store nothing: the tap switched off, and a sink that refuses everything. */
class TelemetryOffAndRefusedTest {

    @TempDir
    Path dir;

    @Test
    void withTelemetryOffNothingIsWrittenAndPublishesAreDeliveredAsUsual() throws Exception {
        HostPort storeAddress = FreePorts.on("127.0.4.3");
        List<String> received = new CopyOnWriteArrayList<>();
        try (EmbeddedStore store = TelemetryFixtures.store(storeAddress, dir.resolve("store"));
             MongoClient mongo = MongoClients.create(store.connectionString())) {
            BrokerReplica replica = new BrokerReplica(TelemetryFixtures.replica("off-1", "127.0.4.4",
                    dir.resolve("broker"), TelemetryConfig.off()));
            try {
                replica.start();
                MqttClient subscriber = v3(replica, "off-sub");
                MqttClient publisher = v3(replica, "off-pub");
                subscriber.subscribe("colmeia/#", 1, (topic, message) -> received.add(topic));
                publisher.publish("colmeia/off-pub/leituras", SEED.getBytes(StandardCharsets.UTF_8), 1, false);
                await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 1);
                MqttClients.closeQuietly(publisher);
                MqttClients.closeQuietly(subscriber);
                String metrics = TelemetryFixtures.metrics(replica.config().http());
                assertThat(metrics).doesNotContain("colmeia_broker_telemetry_", "colmeia_persistence_");
            } finally {
                replica.close();
            }
            assertThat(mongo.getDatabase("colmeia").getCollection("telemetry").countDocuments()).isZero();
            assertThat(dir.resolve("broker/spool")).doesNotExist();
        }
    }

    /**
     * A sink that is closed refuses every message, as a full queue or a full spool does. Nothing refused is
     * acknowledged as a success, delivered to a subscriber, or counted as stored.
     */
    @Test
    void whenTheSinkRefusesNoClientGetsASuccessAckAndNoSubscriberTheMessage() throws Exception {
        HostPort unreachable = FreePorts.on("127.0.4.5");
        TelemetryConfig telemetry = TelemetryFixtures.on(TelemetryFixtures.sink(
                "mongodb://" + unreachable + "/?replicaSet=rs0", dir.resolve("broker/spool")));
        BrokerReplica replica = new BrokerReplica(TelemetryFixtures.replica("refuse-1", "127.0.4.6",
                dir.resolve("broker"), telemetry), (config, registry) -> {
                    MongoTelemetrySink sink = MongoTelemetrySink.start(config, registry);
                    sink.close();
                    return sink;
                });
        List<String> received = new CopyOnWriteArrayList<>();
        List<AutoCloseable> clients = new ArrayList<>();
        try {
            replica.start();
            MqttClient subscriber = v3(replica, "refuse-sub");
            clients.add(() -> MqttClients.closeQuietly(subscriber));
            subscriber.subscribe("colmeia/#", 1, (topic, message) -> received.add(topic));

            // MQTT 5: a PUBACK with reason code 0x83 (implementation specific error)
            org.eclipse.paho.mqttv5.client.MqttAsyncClient v5 = new org.eclipse.paho.mqttv5.client.MqttAsyncClient(
                    "tcp://" + replica.config().mqtt(), "refuse-v5",
                    new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
            clients.add(() -> {
                if (v5.isConnected()) {
                    v5.disconnect().waitForCompletion(5_000);
                }
                v5.close();
            });
            MqttConnectionOptions v5options = new MqttConnectionOptions();
            v5options.setCleanStart(true);
            v5.connect(v5options).waitForCompletion(10_000);
            org.eclipse.paho.mqttv5.client.IMqttToken v5ack = v5.publish("colmeia/refuse-v5/leituras",
                    SEED.getBytes(StandardCharsets.UTF_8), 1, false);
            int reasonCode;
            try {
                v5ack.waitForCompletion(15_000);
                reasonCode = v5ack.getReasonCodes()[0];
            } catch (MqttException e) {
                reasonCode = e.getReasonCode();
            }
            assertThat(reasonCode).isEqualTo(0x83);

            // MQTT 3.1.1 has no error PUBACK: HiveMQ disconnects the client, which never sees a PUBACK
            AtomicBoolean lost = new AtomicBoolean();
            MqttAsyncClient v3 = new MqttAsyncClient("tcp://" + replica.config().mqtt(), "refuse-v3",
                    new MemoryPersistence());
            clients.add(() -> v3.close(true));
            v3.setCallback(new MqttCallback() {
                @Override
                public void connectionLost(Throwable cause) {
                    lost.set(true);
                }

                @Override
                public void messageArrived(String topic, MqttMessage message) {
                }

                @Override
                public void deliveryComplete(IMqttDeliveryToken token) {
                }
            });
            v3.connect(options()).waitForCompletion(10_000);
            IMqttDeliveryToken v3ack = v3.publish("colmeia/refuse-v3/leituras", SEED.getBytes(StandardCharsets.UTF_8),
                    1, false);
            await().atMost(Duration.ofSeconds(15)).untilTrue(lost);
            assertThat(v3ack.getException()).isNotNull(); // failed, never acknowledged

            String metrics = TelemetryFixtures.metrics(replica.config().http());
            assertThat(TelemetryFixtures.metric(metrics,
                    "colmeia_broker_telemetry_tapped_total{node=\"refuse-1\",outcome=\"failed\"}")).isEqualTo(2);
            assertThat(TelemetryFixtures.metric(metrics,
                    "colmeia_broker_telemetry_tapped_total{node=\"refuse-1\",outcome=\"stored\"}")).isZero();
            assertThat(received).isEmpty();
        } finally {
            for (AutoCloseable client : clients) {
                try {
                    client.close();
                } catch (Exception e) {
                    // closing what the test opened; its assertions matter more
                }
            }
            replica.close();
        }
    }

    private static MqttClient v3(BrokerReplica replica, String clientId) throws Exception {
        return MqttClients.connect(replica.config().mqtt().toString(), clientId, true);
    }

    private static MqttConnectOptions options() {
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(true);
        options.setConnectionTimeout(10);
        options.setAutomaticReconnect(false);
        return options;
    }
}

package io.colmeia.broker;

import io.colmeia.common.testing.FreePorts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.colmeia.common.config.HostPort;
import io.colmeia.common.testing.MqttClients;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** One running replica, exercised by real MQTT clients and HTTP requests over loopback. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrokerReplicaTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private BrokerReplica replica;
    private HostPort mqtt;
    private HostPort http;

    @BeforeAll
    void startReplica(@TempDir Path dataDir) {
        mqtt = FreePorts.on("127.0.1.11");
        http = FreePorts.on("127.0.1.11");
        replica = new BrokerReplica(new BrokerConfig("test-broker", mqtt, http, dataDir,
                BrokerConfig.PersistenceMode.memory, 5, 1_048_576, -1, Duration.ofSeconds(10),
                Duration.ofSeconds(5)));
        replica.start();
    }

    @AfterAll
    void stopReplica() {
        if (replica != null) {
            replica.close();
        }
    }

    @Test
    void isReadyOnceItsListenerAcceptsMqtt() throws Exception {
        assertThat(replica.isReady()).isTrue();
        assertThat(get("/ready").statusCode()).isEqualTo(200);
        assertThat(get("/health").statusCode()).isEqualTo(200);
    }

    @Test
    void unknownStatusPathsAreRefusedAndCounted() throws Exception {
        assertThat(get("/nope").statusCode()).isEqualTo(404);
        assertThat(get("/metrics").body()).contains("colmeia_http_rejected_requests_total{node=\"test-broker\"}");
    }

    @ParameterizedTest(name = "QoS {0}")
    @ValueSource(ints = {0, 1, 2})
    void deliversPublishToSubscriberAtEachQos(int qos) throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        MqttClient subscriber = client("sub-" + qos);
        MqttClient publisher = client("pub-" + qos);
        try {
            subscriber.subscribe("no1/sala/qos" + qos, qos,
                    (topic, message) -> received.add(topic + " " + message.getQos() + " "
                            + new String(message.getPayload(), StandardCharsets.UTF_8)));
            publisher.publish("no1/sala/qos" + qos, "{\"Temperatura\":24.0}".getBytes(StandardCharsets.UTF_8),
                    qos, false);
            await().atMost(Duration.ofSeconds(10)).until(() -> !received.isEmpty());
            assertThat(received).containsExactly("no1/sala/qos" + qos + " " + qos + " {\"Temperatura\":24.0}");
        } finally {
            MqttClients.closeQuietly(publisher);
            MqttClients.closeQuietly(subscriber);
        }
    }

    @Test
    void metricsShowHiveMqAndColmeiaFiguresLabelledWithTheNode() throws Exception {
        MqttClient publisher = client("metrics-pub");
        try {
            publisher.publish("no1/metrics", new byte[] {1}, 1, false);
        } finally {
            MqttClients.closeQuietly(publisher);
        }
        String metrics = get("/metrics").body();
        assertThat(metrics)
                .contains("com_hivemq_networking_connections_current{node=\"test-broker\"}")
                .contains("com_hivemq_messages_incoming_publish_count_total{node=\"test-broker\"}")
                .contains("colmeia_broker_connections_refused_total{node=\"test-broker\",reason=\"draining\"}")
                .contains("jvm_memory_used_bytes{")
                .contains("colmeia_build{component=\"broker\",node=\"test-broker\"");
    }

    @Test
    void countsAndNamesMessagesDroppedBecauseAClientQueueIsFull() throws Exception {
        // a persistent QoS 1 subscriber goes away; the broker may queue only 5 messages for it
        MqttClient sleeper = client("sleeper", false);
        sleeper.subscribe("no1/queue/#", 1);
        sleeper.disconnect();
        sleeper.close();
        MqttClient publisher = client("queue-pub");
        try {
            for (int i = 0; i < 20; i++) {
                publisher.publish("no1/queue/t", new byte[] {(byte) i}, 1, false);
            }
        } finally {
            MqttClients.closeQuietly(publisher);
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(droppedQueueFull()).isEqualTo(15));
    }

    private double droppedQueueFull() throws Exception {
        return get("/metrics").body().lines()
                .filter(l -> l.startsWith("colmeia_broker_messages_dropped_total{") && l.contains("reason=\"queue_full\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    private MqttClient client(String id) throws Exception {
        return client(id, true);
    }

    private MqttClient client(String id, boolean cleanSession) throws Exception {
        return MqttClients.connect(mqtt.toString(), id, cleanSession);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + http + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}

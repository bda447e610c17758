package io.colmeia.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.colmeia.common.config.HostPort;
import io.colmeia.ingress.balance.Replica;
import io.colmeia.ingress.balance.ReplicaSelector;
import io.colmeia.ingress.support.Clients;
import io.colmeia.ingress.support.Mosquitto;
import io.colmeia.ingress.support.RawMqtt;
import io.colmeia.ingress.support.TestIngress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttTopic;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Two ingress nodes in front of three real brokers (mosquitto), seen from real MQTT clients. */
class IngressRoutingTest {

    private static final List<Mosquitto> brokers = new ArrayList<>();
    private static final List<IngressNode> ingress = new ArrayList<>();
    private static List<HostPort> replicas;

    @BeforeAll
    static void startCluster() throws Exception {
        Mosquitto.assumeInstalled();
        try {
            for (int i = 1; i <= 3; i++) {
                Mosquitto m = Mosquitto.start("127.0.77.1" + i);
                brokers.add(m);
                Clients.label(m.address(), m.address().toString());
            }
            replicas = brokers.stream().map(Mosquitto::address).toList();
            for (int i = 1; i <= 2; i++) {
                TestIngress t = TestIngress.on("127.0.77.2" + i, replicas);
                t.nodeId = "ingress-" + i;
                t.withHttp = true;
                ingress.add(t.start());
            }
            for (IngressNode node : ingress) {
                await().atMost(Duration.ofSeconds(20)).until(() -> node.replicas().healthy().size() == 3);
            }
        } catch (Throwable t) {
            stopCluster();
            throw t;
        }
    }

    @AfterAll
    static void stopCluster() {
        ingress.forEach(IngressNode::close);
        ingress.clear();
        brokers.forEach(Mosquitto::close);
        brokers.clear();
    }

    private static HostPort via(int node) {
        return ingress.get(node).server().address();
    }

    private static String expectedReplica(String clientId) {
        List<Replica> all = replicas.stream().map(Replica::new).toList();
        return ReplicaSelector.order(all, clientId, "127.0.0.1").get(0).id();
    }

    @Test
    void the_same_client_id_lands_on_the_same_replica_through_either_ingress_node() throws Exception {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            String clientId = "esp8266-sticky-" + i;
            String throughFirst = RawMqtt.whichReplica(via(0), clientId);
            String throughSecond = RawMqtt.whichReplica(via(1), clientId);
            String again = RawMqtt.whichReplica(via(0), clientId);
            assertThat(throughSecond).as(clientId).isEqualTo(throughFirst).isEqualTo(again)
                    .isEqualTo(expectedReplica(clientId));
            seen.add(throughFirst);
        }
        assertThat(seen).as("30 client ids spread over more than one replica").hasSize(3);
    }

    @Test
    void an_mqtt_3_1_1_client_publishes_and_receives_through_the_ingress() throws Exception {
        MqttClient client = Clients.connect(via(0), "v311-roundtrip");
        try {
            assertThat(Clients.roundTrip(client)).isTrue();
        } finally {
            Clients.closeQuietly(client);
        }
    }

    @Test
    void an_mqtt_5_client_publishes_and_receives_through_the_ingress() throws Exception {
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        org.eclipse.paho.mqttv5.client.MqttClient client = new org.eclipse.paho.mqttv5.client.MqttClient(
                "tcp://" + via(1), "v5-roundtrip", new MemoryPersistence());
        try {
            client.setCallback(new MqttCallback() {
                @Override
                public void disconnected(MqttDisconnectResponse response) {
                }

                @Override
                public void mqttErrorOccurred(MqttException exception) {
                }

                @Override
                public void messageArrived(String topic, MqttMessage message) {
                    received.add(topic + "=" + new String(message.getPayload(), StandardCharsets.UTF_8));
                }

                @Override
                public void deliveryComplete(IMqttToken token) {
                }

                @Override
                public void connectComplete(boolean reconnect, String serverURI) {
                }

                @Override
                public void authPacketArrived(int reasonCode, MqttProperties properties) {
                }
            });
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setCleanStart(true);
            options.setSessionExpiryInterval(0L);
            options.setUserName("v5-user");
            options.setConnectionTimeout(10);
            client.connect(options);
            client.subscribe("colmeia/test/v5/#", 1);
            client.publish("colmeia/test/v5/a", "olá".getBytes(StandardCharsets.UTF_8), 1, false);
            assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("colmeia/test/v5/a=olá");
            assertThat(client.getCurrentServerURI()).contains(via(1).toString());
        } finally {
            try {
                client.disconnectForcibly(100, 100, false);
            } catch (MqttException ignored) {
                // not connected
            }
            client.close(true);
        }
    }

    @Test
    void a_100_kib_publish_and_a_5000_message_burst_pass_intact() throws Exception {
        MqttClient publisher = Clients.connect(via(0), "bulk-publisher");
        MqttClient subscriber = Clients.connect(via(1), "bulk-subscriber");
        try {
            BlockingQueue<byte[]> big = new LinkedBlockingQueue<>();
            int burst = 5000;
            CountDownLatch all = new CountDownLatch(burst);
            AtomicInteger outOfOrder = new AtomicInteger();
            AtomicInteger next = new AtomicInteger();
            subscriber.subscribe("colmeia/test/bulk/big", 1, (t, m) -> big.add(m.getPayload()));
            subscriber.subscribe("colmeia/test/bulk/burst", 1, (t, m) -> {
                int n = Integer.parseInt(new String(m.getPayload(), StandardCharsets.US_ASCII));
                if (n != next.getAndIncrement()) {
                    outOfOrder.incrementAndGet();
                }
                all.countDown();
            });
            // the two clients may be on different replicas: bridge-free mosquittos do not share messages,
            // so both publish and subscribe must land on the same one for this test; check and say so.
            String pubReplica = Clients.whoami(publisher);
            String subReplica = Clients.whoami(subscriber);
            MqttClient sender = pubReplica.equals(subReplica) ? publisher
                    : Clients.connect(via(0), sameReplicaId(subReplica));
            try {
                byte[] payload = new byte[100 * 1024];
                new java.util.Random(7).nextBytes(payload);
                sender.publish("colmeia/test/bulk/big", payload, 1, false);
                assertThat(big.poll(20, TimeUnit.SECONDS)).isEqualTo(payload);
                List<IMqttDeliveryToken> tokens = new ArrayList<>();
                for (int i = 0; i < burst; i++) {
                    MqttTopic topic = sender.getTopic("colmeia/test/bulk/burst");
                    tokens.add(topic.publish(Integer.toString(i).getBytes(StandardCharsets.US_ASCII), 1, false));
                    if (tokens.size() == 500) { // stay under the client's in-flight window
                        for (IMqttDeliveryToken token : tokens) {
                            token.waitForCompletion(20_000);
                        }
                        tokens.clear();
                    }
                }
                assertThat(all.await(60, TimeUnit.SECONDS)).as("all %d burst messages arrived", burst).isTrue();
                assertThat(outOfOrder.get()).isZero();
            } finally {
                if (sender != publisher) {
                    Clients.closeQuietly(sender);
                }
            }
        } finally {
            Clients.closeQuietly(publisher);
            Clients.closeQuietly(subscriber);
        }
    }

    /** A client id that rendezvous hashing sends to the given replica. */
    private static String sameReplicaId(String replicaId) {
        for (int i = 0; i < 10_000; i++) {
            String candidate = "bulk-sender-" + i;
            if (expectedReplica(candidate).equals(replicaId)) {
                return candidate;
            }
        }
        throw new AssertionError("no client id maps to " + replicaId);
    }

    @Test
    void a_client_with_an_empty_client_id_is_served() throws Exception {
        MqttClient client = Clients.connect(via(0), "");
        try {
            assertThat(Clients.roundTrip(client)).isTrue();
            assertThat(Clients.whoami(client)).isIn(replicas.stream().map(HostPort::toString).toList());
        } finally {
            Clients.closeQuietly(client);
        }
    }

    @Test
    void the_status_endpoint_is_ready_and_exports_ingress_metrics() throws Exception {
        RawMqtt.whichReplica(via(0), "metrics-check");
        HostPort http = ingress.get(0).config().http();
        HttpClient httpClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> ready = httpClient.send(HttpRequest.newBuilder(URI.create("http://" + http + "/ready"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(200);
        String metrics = httpClient.send(HttpRequest.newBuilder(URI.create("http://" + http + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
        String replica = expectedReplica("metrics-check");
        assertThat(metrics)
                .contains("colmeia_ingress_replica_healthy{node=\"ingress-1\",replica=\"" + replicas.get(0) + "\"} 1")
                .contains("colmeia_ingress_connections_accepted_total{node=\"ingress-1\"}")
                .contains("colmeia_ingress_connections_active{node=\"ingress-1\"}")
                .contains("colmeia_ingress_relayed_bytes_total{direction=\"to_broker\",node=\"ingress-1\"}")
                .contains("colmeia_ingress_connect_parse_seconds_count{node=\"ingress-1\"}")
                .contains("colmeia_ingress_pending_write_bytes{node=\"ingress-1\"}");
        assertThat(Arrays.stream(metrics.split("\n"))
                .filter(l -> l.startsWith("colmeia_ingress_replica_connections_total{")
                        && l.contains("replica=\"" + replica + "\""))
                .map(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .findFirst()).hasValueSatisfying(v -> assertThat(v).isGreaterThanOrEqualTo(1.0));
    }
}

package io.colmeia.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.colmeia.common.config.HostPort;
import io.colmeia.ingress.support.Clients;
import io.colmeia.common.testing.FreePorts;
import io.colmeia.ingress.support.Mosquitto;
import io.colmeia.ingress.support.Packets;
import io.colmeia.ingress.support.RawClient;
import io.colmeia.ingress.support.RawMqtt;
import io.colmeia.ingress.support.TestIngress;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bad input and limits: each is closed (or answered with a CONNACK refusal), counted by reason, never reaches
 * a broker, and a client already connected through the same ingress keeps working.
 */
class IngressRefusalTest {

    private static Mosquitto broker;
    private static IngressNode ingress;
    private RawMqtt bystander;
    private final List<IngressNode> extraNodes = new ArrayList<>();

    @BeforeAll
    static void start() {
        Mosquitto.assumeInstalled();
        broker = Mosquitto.start("127.0.77.41");
        try {
            TestIngress t = TestIngress.on("127.0.77.42", List.of(broker.address()));
            t.connectTimeout = Duration.ofSeconds(1);
            t.maxConnectSize = 1024;
            ingress = t.start();
            await().atMost(Duration.ofSeconds(20)).until(ingress::ready);
        } catch (RuntimeException e) {
            broker.close();
            throw e;
        }
    }

    @AfterAll
    static void stop() {
        if (ingress != null) {
            ingress.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @BeforeEach
    void connectBystander() throws Exception {
        bystander = RawMqtt.connect(via(), "bystander");
        bystander.subscribe("bystander/echo");
        bystander.publish("bystander/echo", "hello".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(bystander.nextPublish()).isEqualTo("hello"); // its traffic has settled before the test
    }

    @AfterEach
    void bystanderStillWorks() throws Exception {
        try {
            bystander.publish("bystander/echo", "still here".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            assertThat(bystander.nextPublish()).as("the client already connected keeps working")
                    .isEqualTo("still here");
        } finally {
            bystander.close();
            extraNodes.forEach(IngressNode::close);
        }
    }

    private static HostPort via() {
        return ingress.server().address();
    }

    private static double refusals(String reason) {
        return ingress.metrics().refusals(reason);
    }

    private static void assertClosedWithoutAnswer(byte[] firstBytes) throws Exception {
        double relayedBefore = settledRelayedBytes();
        try (RawClient client = new RawClient(via())) {
            client.send(firstBytes);
            assertThat(client.readUntilClosed(1)).as("closed without a byte of answer").isEmpty();
        }
        assertThat(ingress.metrics().relayedBytes()).as("nothing reached a broker").isEqualTo(relayedBefore);
    }

    /**
     * The relayed-bytes counter is updated once per read batch, so the bystander's last exchange may land in it
     * just after the bystander saw its answer: wait until it stops moving before taking the baseline.
     */
    private static double settledRelayedBytes() throws InterruptedException {
        double previous = -1;
        double now = ingress.metrics().relayedBytes();
        for (int i = 0; i < 50 && now != previous; i++) {
            Thread.sleep(100);
            previous = now;
            now = ingress.metrics().relayedBytes();
        }
        return now;
    }

    @Test
    void garbage_is_closed_and_counted_as_not_connect() throws Exception {
        double before = refusals("not_connect");
        assertClosedWithoutAnswer("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
        await().untilAsserted(() -> assertThat(refusals("not_connect")).isEqualTo(before + 1));
    }

    @Test
    void a_first_packet_that_is_not_a_connect_is_closed_and_counted() throws Exception {
        double before = refusals("not_connect");
        assertClosedWithoutAnswer(Packets.pingreq());
        await().untilAsserted(() -> assertThat(refusals("not_connect")).isEqualTo(before + 1));
    }

    @Test
    void a_malformed_connect_is_closed_and_counted() throws Exception {
        byte[] connect = Packets.simpleConnect(MqttVersion.MQTT_3_1_1, "broken");
        connect[4] = 'X'; // protocol name "XQTT"
        double before = refusals("malformed");
        assertClosedWithoutAnswer(connect);
        await().untilAsserted(() -> assertThat(refusals("malformed")).isEqualTo(before + 1));
    }

    @Test
    void an_oversized_connect_is_closed_from_its_header_before_its_body_arrives() throws Exception {
        double before = refusals("oversized");
        // declares a 1 MB CONNECT against a 1 KiB limit, sends only the header
        assertClosedWithoutAnswer(new byte[] {0x10, (byte) 0xC0, (byte) 0x84, 0x3D});
        byte[] big = Packets.simpleConnect(MqttVersion.MQTT_3_1_1, "x".repeat(2000));
        assertClosedWithoutAnswer(big);
        await().untilAsserted(() -> assertThat(refusals("oversized")).isEqualTo(before + 2));
    }

    @Test
    void a_slowloris_trickle_is_closed_at_the_connect_deadline() throws Exception {
        double before = refusals("connect_timeout");
        byte[] connect = Packets.simpleConnect(MqttVersion.MQTT_3_1_1, "slowloris");
        try (RawClient client = new RawClient(via())) {
            long start = System.nanoTime();
            boolean closed = false;
            // one byte every 200 ms: the 1 s deadline is for the whole packet, not per byte
            for (int i = 0; i < connect.length - 1 && !closed; i++) {
                try {
                    client.send(new byte[] {connect[i]});
                    Thread.sleep(200);
                } catch (java.io.IOException e) {
                    closed = true;
                }
                if (System.nanoTime() - start > Duration.ofSeconds(15).toNanos()) {
                    break;
                }
            }
            if (!closed) {
                assertThat(client.readUntilClosed(1)).isEmpty();
            }
        }
        await().untilAsserted(() -> assertThat(refusals("connect_timeout")).isEqualTo(before + 1));
    }

    @Test
    void a_client_that_sends_nothing_is_closed_at_the_connect_deadline() throws Exception {
        double before = refusals("connect_timeout");
        try (RawClient client = new RawClient(via())) {
            assertThat(client.readUntilClosed(1)).isEmpty();
        }
        await().untilAsserted(() -> assertThat(refusals("connect_timeout")).isEqualTo(before + 1));
    }

    @Test
    void a_client_closing_mid_connect_is_counted_as_truncated() throws Exception {
        double before = refusals("truncated");
        byte[] connect = Packets.simpleConnect(MqttVersion.MQTT_3_1_1, "truncated");
        try (RawClient client = new RawClient(via())) {
            client.send(Arrays.copyOf(connect, connect.length - 3));
        }
        await().untilAsserted(() -> assertThat(refusals("truncated")).isEqualTo(before + 1));
    }

    @Test
    void every_refusal_reason_is_exposed_at_zero_before_the_first_refusal() {
        IngressNode fresh = TestIngress.on("127.0.77.46", List.of(broker.address())).start();
        extraNodes.add(fresh);
        List<String> exposed = fresh.metrics().registry().find("colmeia_ingress_refusals_total").counters().stream()
                .map(c -> c.getId().getTag("reason")).sorted().toList();
        assertThat(exposed).as("reasons of colmeia_ingress_refusals_total on a node that refused nobody")
                .containsExactlyElementsOf(IngressNode.refusalReasons().stream().sorted().toList())
                .contains("no_healthy_replica", "not_connect", "rate_limited");
        assertThat(fresh.metrics().registry().find("colmeia_ingress_refusals_total").counters())
                .allSatisfy(c -> assertThat(c.count()).isZero());
    }

    @Test
    void connections_beyond_the_maximum_are_closed_and_counted() throws Exception {
        TestIngress t = TestIngress.on("127.0.77.43", List.of(broker.address()));
        t.maxConnections = 2;
        IngressNode small = t.start();
        extraNodes.add(small);
        await().atMost(Duration.ofSeconds(20)).until(small::ready);
        HostPort address = small.server().address();
        MqttClient first = Clients.connect(address, "limit-1");
        MqttClient second = Clients.connect(address, "limit-2");
        try {
            try (RawClient third = new RawClient(address)) {
                third.send(Packets.simpleConnect(MqttVersion.MQTT_3_1_1, "limit-3"));
                assertThat(third.readUntilClosed(4)).isEmpty();
            }
            assertThat(small.metrics().refusals("max_connections")).isEqualTo(1);
            assertThat(Clients.roundTrip(first)).isTrue();
            Clients.closeQuietly(second);
            await().untilAsserted(() -> {
                MqttClient again = Clients.connect(address, "limit-3");
                Clients.closeQuietly(again);
            });
        } finally {
            Clients.closeQuietly(first);
            Clients.closeQuietly(second);
        }
    }

    @Test
    void without_a_healthy_replica_clients_get_connack_server_unavailable_in_their_version() throws Exception {
        HostPort nothingListens = FreePorts.on("127.0.77.44");
        IngressNode orphan = TestIngress.on("127.0.77.45", List.of(nothingListens)).start();
        extraNodes.add(orphan);
        HostPort address = orphan.server().address();
        assertThat(orphan.ready()).isFalse();
        try (RawClient v311 = new RawClient(address)) {
            v311.send(Packets.simpleConnect(MqttVersion.MQTT_3_1_1, "orphan-311"));
            assertThat(v311.readUntilClosed(100)).containsExactly(0x20, 0x02, 0x00, 0x03);
        }
        try (RawClient v5 = new RawClient(address)) {
            v5.send(Packets.fullConnect(MqttVersion.MQTT_5, "orphan-5"));
            assertThat(v5.readUntilClosed(100)).containsExactly(0x20, 0x03, 0x00, 0x88, 0x00);
        }
        try (RawClient v31 = new RawClient(address)) {
            v31.send(Packets.mqtt31Connect("orphan-31"));
            assertThat(v31.readUntilClosed(100)).containsExactly(0x20, 0x02, 0x00, 0x03);
        }
        MqttException refused = org.junit.jupiter.api.Assertions.assertThrows(MqttException.class,
                () -> Clients.connect(address, "orphan-paho"));
        assertThat(refused.getReasonCode()).isEqualTo(MqttException.REASON_CODE_BROKER_UNAVAILABLE);
        assertThat(orphan.metrics().refusals("no_healthy_replica")).isEqualTo(4);
    }
}

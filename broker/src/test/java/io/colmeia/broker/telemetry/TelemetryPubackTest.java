package io.colmeia.broker.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.colmeia.broker.BrokerReplica;
import io.colmeia.broker.testing.RawMqttClient;
import io.colmeia.common.config.HostPort;
import io.colmeia.common.testing.MqttClients;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * ack=persisted for QoS 1 holds the PUBACK, not the PUBLISH: a replica with a scripted sink, clients that see
 * every packet (raw sockets). Order, overlap, late refusals (MQTT 3.1.1 and 5), the ack timeout, packet-id reuse,
 * PUBACKs for publishes the tap did not hold, and a client leaving with PUBACKs held.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TelemetryPubackTest {

    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(2);

    private final ScriptedSink sink = new ScriptedSink();
    private BrokerReplica replica;
    private HostPort mqtt;

    @BeforeAll
    void start(@TempDir Path dir) {
        TelemetryConfig telemetry = new TelemetryConfig(true, List.of("colmeia/#"), TelemetryConfig.AckMode.persisted,
                ACK_TIMEOUT, TelemetryFixtures.sink("mongodb://127.0.0.1:1/?replicaSet=rs0", dir.resolve("spool")));
        replica = new BrokerReplica(TelemetryFixtures.replica("gate-1", "127.0.4.20", dir.resolve("broker"),
                telemetry), (config, registry) -> sink);
        replica.start();
        mqtt = replica.config().mqtt();
    }

    @AfterAll
    void stop() {
        if (replica != null) {
            replica.close();
        }
    }

    @Test
    void pubacksFollowThePublishOrderWhileTheSinkAnswersOutOfOrderAndTheWindowOverlaps() throws Exception {
        int messages = 40;
        try (RawMqttClient client = RawMqttClient.connect(mqtt, "order-1", 4)) {
            for (int id = 1; id <= messages; id++) {
                client.publishQos1("colmeia/order-1/leituras", id, "reading " + id);
            }
            List<Integer> acked = new ArrayList<>();
            while (acked.size() < messages) {
                RawMqttClient.Packet packet = client.read(Duration.ofSeconds(20));
                assertThat(packet).as("connection closed after %d PUBACKs", acked.size()).isNotNull();
                assertThat(packet.type()).isEqualTo(RawMqttClient.PUBACK);
                acked.add(packet.packetId());
            }
            List<Integer> expected = new ArrayList<>();
            for (int id = 1; id <= messages; id++) {
                expected.add(id);
            }
            assertThat(acked).isEqualTo(expected);
        }
        // the sink answered in random order after 0-60 ms each: several of the window were in it together
        assertThat(sink.mostInSinkAtOnce("order-1")).isGreaterThan(1);
        assertThat(sink.submittedBy("order-1")).isEqualTo(messages);
        assertThat(metric("colmeia_broker_telemetry_pubacks_total{node=\"gate-1\",path=\"held\"}")
                + metric("colmeia_broker_telemetry_pubacks_total{node=\"gate-1\",path=\"durable_already\"}"))
                .isGreaterThanOrEqualTo(messages);
        assertThat(metric("colmeia_broker_telemetry_pubacks_total{node=\"gate-1\",path=\"held\"}")).isPositive();
    }

    @Test
    void aLateRefusalDisconnectsAnMqtt3ClientBeforeItsPubackButSubscribersGotTheMessage() throws Exception {
        List<String> delivered = new CopyOnWriteArrayList<>();
        MqttClient subscriber = MqttClients.connect(mqtt.toString(), "refused-3-sub", true);
        double refusedBefore = metric("colmeia_broker_telemetry_refused_disconnects_total{node=\"gate-1\"}");
        try (RawMqttClient client = RawMqttClient.connect(mqtt, "refused-3", 4)) {
            subscriber.subscribe("colmeia/refused-3/#", 1,
                    (topic, message) -> delivered.add(new String(message.getPayload(), StandardCharsets.UTF_8)));
            client.publishQos1("colmeia/refused-3/leituras", 1, "slow-0 first");
            assertThat(client.read(Duration.ofSeconds(15)).packetId()).isEqualTo(1);
            client.publishQos1("colmeia/refused-3/leituras", 2, "fail-late second");
            client.publishQos1("colmeia/refused-3/leituras", 3, "slow-0 third");
            List<RawMqttClient.Packet> seen = readUntilClosed(client);
            // MQTT 3.1.1 has no error PUBACK: the connection closes and no PUBACK for 2 (or the one behind it) came
            assertThat(seen).noneMatch(p -> p.type() == RawMqttClient.PUBACK);
        } finally {
            await().atMost(Duration.ofSeconds(10)).until(() -> delivered.size() >= 2);
            MqttClients.closeQuietly(subscriber);
        }
        // delivery does not wait for durability: subscribers got the refused message too (at least once)
        assertThat(delivered).contains("fail-late second");
        assertThat(metric("colmeia_broker_telemetry_refused_disconnects_total{node=\"gate-1\"}"))
                .isEqualTo(refusedBefore + 1);
    }

    @Test
    void aLateRefusalSendsAnMqtt5ClientDisconnect0x83AndNoPuback() throws Exception {
        try (RawMqttClient client = RawMqttClient.connect(mqtt, "refused-5", 5)) {
            client.publishQos1("colmeia/refused-5/leituras", 9, "fail-late v5");
            List<RawMqttClient.Packet> seen = readUntilClosed(client);
            assertThat(seen).noneMatch(p -> p.type() == RawMqttClient.PUBACK);
            assertThat(seen).anySatisfy(p -> {
                assertThat(p.type()).isEqualTo(RawMqttClient.DISCONNECT);
                assertThat(p.body()[0] & 0xff).isEqualTo(0x83);
                assertThat(new String(p.body(), StandardCharsets.UTF_8)).contains("persistence unavailable");
            });
        }
        assertThat(metric("colmeia_broker_telemetry_pubacks_total{node=\"gate-1\",path=\"refused\"}")).isPositive();
    }

    @Test
    void aSinkThatDoesNotAnswerWithinTheAckTimeoutIsARefusal() throws Exception {
        long begin = System.nanoTime();
        try (RawMqttClient client = RawMqttClient.connect(mqtt, "timeout-5", 5)) {
            client.publishQos1("colmeia/timeout-5/leituras", 1, "hang forever");
            List<RawMqttClient.Packet> seen = readUntilClosed(client);
            assertThat(seen).noneMatch(p -> p.type() == RawMqttClient.PUBACK);
            assertThat(seen).anySatisfy(p -> assertThat(p.type()).isEqualTo(RawMqttClient.DISCONNECT));
        }
        assertThat(Duration.ofNanos(System.nanoTime() - begin)).isGreaterThanOrEqualTo(ACK_TIMEOUT);
    }

    @Test
    void aReusedPacketIdIsTrackedAgainAndUntappedTopicsPassTheGate() throws Exception {
        double untrackedBefore = metric("colmeia_broker_telemetry_pubacks_total{node=\"gate-1\",path=\"untracked\"}");
        try (RawMqttClient client = RawMqttClient.connect(mqtt, "reuse-1", 4)) {
            for (int round = 0; round < 3; round++) {
                client.publishQos1("colmeia/reuse-1/leituras", 7, "slow-100 round " + round);
                RawMqttClient.Packet ack = client.read(Duration.ofSeconds(15));
                assertThat(ack.type()).isEqualTo(RawMqttClient.PUBACK);
                assertThat(ack.packetId()).isEqualTo(7);
            }
            client.publishQos1("elsewhere/reuse-1", 8, "not telemetry");
            RawMqttClient.Packet ack = client.read(Duration.ofSeconds(15));
            assertThat(ack.type()).isEqualTo(RawMqttClient.PUBACK);
            assertThat(ack.packetId()).isEqualTo(8);
        }
        assertThat(sink.submittedBy("reuse-1")).isEqualTo(3);
        assertThat(metric("colmeia_broker_telemetry_pubacks_total{node=\"gate-1\",path=\"untracked\"}"))
                .isEqualTo(untrackedBefore + 1);
    }

    @Test
    void aClientThatLeavesWithPubacksHeldCanComeBackAtOnce() throws Exception {
        try (RawMqttClient client = RawMqttClient.connect(mqtt, "leaver-1", 4)) {
            for (int id = 1; id <= 5; id++) {
                client.publishQos1("colmeia/leaver-1/leituras", id, "slow-1000 " + id);
            }
        } // gone with five PUBACKs held
        try (RawMqttClient again = RawMqttClient.connect(mqtt, "leaver-1", 4)) {
            again.publishQos1("colmeia/leaver-1/leituras", 1, "slow-0 back");
            RawMqttClient.Packet ack = again.read(Duration.ofSeconds(15));
            assertThat(ack).isNotNull();
            assertThat(ack.type()).isEqualTo(RawMqttClient.PUBACK);
            assertThat(ack.packetId()).isEqualTo(1);
        }
        assertThat(sink.submittedBy("leaver-1")).isEqualTo(6);
    }

    /** Every packet until the broker closes the connection (at most 20 s). */
    private static List<RawMqttClient.Packet> readUntilClosed(RawMqttClient client) throws Exception {
        List<RawMqttClient.Packet> seen = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            RawMqttClient.Packet packet = client.read(Duration.ofSeconds(20));
            if (packet == null) {
                return seen;
            }
            seen.add(packet);
        }
        throw new AssertionError("the connection stayed open; packets: " + seen);
    }

    private double metric(String prefix) throws Exception {
        return TelemetryFixtures.metric(TelemetryFixtures.metrics(replica.config().http()), prefix);
    }
}

package io.colmeia.broker.security;

import static io.colmeia.broker.security.SecuredBroker.ADMIN;
import static io.colmeia.broker.security.SecuredBroker.ADMIN_PASSWORD;
import static io.colmeia.broker.security.SecuredBroker.DEVICE;
import static io.colmeia.broker.security.SecuredBroker.DEVICE_PASSWORD;
import static io.colmeia.broker.security.SecuredBroker.NODERED;
import static io.colmeia.broker.security.SecuredBroker.NODERED_PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.colmeia.broker.BrokerConfig;
import io.colmeia.broker.BrokerReplica;
import io.colmeia.broker.telemetry.TelemetryConfig;
import io.colmeia.common.config.HostPort;
import io.colmeia.common.testing.MqttClients;
import io.colmeia.persistence.Durability;
import io.colmeia.persistence.PersistenceConfig;
import io.colmeia.persistence.TelemetryMessage;
import io.colmeia.persistence.TelemetrySink;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Topic ACLs on one replica with the telemetry tap on: what a client sees when refused, and that a refused
 * PUBLISH reaches neither subscribers nor the telemetry sink.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AclTest {

    private final List<String> tapped = new CopyOnWriteArrayList<>();
    private BrokerReplica replica;
    private HostPort mqtt;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        Path usersFile = dir.resolve("users.json");
        UsersFile.write(usersFile, SecuredBroker.users());
        BrokerConfig base = SecuredBroker.config("acl-1", "127.0.5.2", dir.resolve("broker"), usersFile,
                ListenerPolicy.Anonymous.never);
        // the sink below replaces MongoDB; this configuration is never used to connect
        PersistenceConfig unused = new PersistenceConfig(new com.mongodb.ConnectionString("mongodb://127.0.0.1:1"),
                "colmeia", dir.resolve("spool"), 1L << 30, 100, Duration.ofMillis(10), 10_000, Duration.ZERO,
                Duration.ofMillis(700), 1, 64 * 1024, 32, Duration.ofSeconds(1), false, Duration.ofSeconds(5));
        BrokerConfig config = new BrokerConfig(base.nodeId(), base.mqtt(), base.http(), base.dataDir(),
                base.persistence(), base.maxQueueSize(), base.maxPacketSize(), base.maxConnections(),
                base.connectTimeout(), base.shutdownGrace(), base.cluster(),
                new TelemetryConfig(true, List.of("#"), TelemetryConfig.AckMode.received, Duration.ofSeconds(5),
                        unused), base.security().withMaxPublishRate(3));
        replica = new BrokerReplica(config, (persistence, registry) -> new TelemetrySink() {
            @Override
            public CompletableFuture<Durability> submit(TelemetryMessage message) {
                tapped.add(message.topic());
                return CompletableFuture.completedFuture(Durability.STORED);
            }

            @Override
            public void close() {
            }
        });
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
    void aDevicePublishOutsideItsAclReachesNoSubscriberAndIsNotStored() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        MqttClient admin = SecuredBroker.v3(mqtt, "acl-admin", ADMIN, ADMIN_PASSWORD);
        admin.subscribe("#", 1, (topic, message) -> received.add(topic));
        // MQTT 5: PUBACK "not authorized" with a reason string, the connection stays
        var v5 = SecuredBroker.v5(mqtt, "acl-device-v5", DEVICE, DEVICE_PASSWORD);
        org.eclipse.paho.mqttv5.client.IMqttToken token = v5.publish("no1/quarto/temperatura",
                "21".getBytes(StandardCharsets.UTF_8), 1, false, null, null);
        int reason;
        try {
            token.waitForCompletion(15_000);
            reason = token.getReasonCodes()[0];
        } catch (org.eclipse.paho.mqttv5.common.MqttException e) {
            reason = e.getReasonCode();
        }
        assertThat(reason).isEqualTo(0x87);
        // MQTT 3.1.1 has no error code in PUBACK: the client is disconnected
        MqttClient v3 = SecuredBroker.v3(mqtt, "acl-device-v3", DEVICE, DEVICE_PASSWORD);
        try {
            v3.publish("no1/quarto/temperatura", "22".getBytes(StandardCharsets.UTF_8), 1, false);
        } catch (org.eclipse.paho.client.mqttv3.MqttException expected) {
            // connection lost before the PUBACK
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> !v3.isConnected());
        // the device's own topic goes through: it arrives, so the refused ones would have by now
        v5.publish("no1/sala/temperatura", "23".getBytes(StandardCharsets.UTF_8), 1, false).waitForCompletion(15_000);
        await().atMost(Duration.ofSeconds(10)).until(() -> received.contains("no1/sala/temperatura"));
        assertThat(received).containsExactly("no1/sala/temperatura");
        assertThat(tapped).containsExactly("no1/sala/temperatura");
        SecuredBroker.close(v5);
        MqttClients.closeQuietly(v3);
        MqttClients.closeQuietly(admin);
    }

    @Test
    void aSubscriberOutsideItsAclGetsSubackFailure() throws Exception {
        MqttClient v3 = SecuredBroker.v3(mqtt, "acl-nodered-v3", NODERED, NODERED_PASSWORD);
        IMqttToken granted = v3.subscribeWithResponse(new String[] {"no1/#", "#", "no2/sala"}, new int[] {1, 1, 1});
        assertThat(granted.getGrantedQos()).containsExactly(1, 0x80, 0x80);
        MqttClients.closeQuietly(v3);

        var v5 = SecuredBroker.v5(mqtt, "acl-nodered-v5", NODERED, NODERED_PASSWORD);
        org.eclipse.paho.mqttv5.client.IMqttToken token = v5.subscribe(
                new org.eclipse.paho.mqttv5.common.MqttSubscription[] {
                        new org.eclipse.paho.mqttv5.common.MqttSubscription("no1/sala/#", 1),
                        new org.eclipse.paho.mqttv5.common.MqttSubscription("+/sala", 1)}, null, null, null);
        token.waitForCompletion(15_000);
        assertThat(token.getReasonCodes()).containsExactly(1, 0x87);
        SecuredBroker.close(v5);
    }

    @Test
    void aClientPublishingFasterThanTheRateLimitIsRefusedAndCounted() throws Exception {
        var v5 = SecuredBroker.v5(mqtt, "acl-fast-device", DEVICE, DEVICE_PASSWORD);
        int refused = SecuredBroker.publishCountingRateLimited(v5, 40, i -> "no1/sala/rapido");
        // 3 per second with a burst of 3: 40 publishes cannot all pass unless they took over 12 s
        assertThat(refused).isGreaterThan(0);
        assertThat(v5.isConnected()).isTrue();
        assertThat(AuthenticationTest.metric(MetricsText.of(replica),
                "colmeia_broker_publishes_rate_limited_total{node=\"acl-1\"}")).isEqualTo(refused);
        SecuredBroker.close(v5);
    }

    @Test
    void aSubscriberMayPublishNothing() throws Exception {
        var v5 = SecuredBroker.v5(mqtt, "acl-nodered-pub", NODERED, NODERED_PASSWORD);
        org.eclipse.paho.mqttv5.client.IMqttToken token = v5.publish("no1/sala/temperatura",
                "99".getBytes(StandardCharsets.UTF_8), 1, false, null, null);
        int reason;
        try {
            token.waitForCompletion(15_000);
            reason = token.getReasonCodes()[0];
        } catch (org.eclipse.paho.mqttv5.common.MqttException e) {
            reason = e.getReasonCode();
        }
        assertThat(reason).isEqualTo(0x87);
        SecuredBroker.close(v5);
    }
}

package io.colmeia.broker.overload;

import static org.assertj.core.api.Assertions.assertThat;

import io.colmeia.broker.BrokerConfig;
import io.colmeia.broker.BrokerReplica;
import io.colmeia.broker.testing.RawMqttClient;
import io.colmeia.common.config.HostPort;
import io.colmeia.common.testing.FreePorts;
import io.colmeia.common.testing.MqttClients;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HiveMQ polls a subscriber's next batch only once the whole in-flight window is acknowledged; the replica asks
 * for it once half the window is. A raw MQTT 3.1.1 subscriber with a window of 100 acknowledges 60 messages and
 * holds the other 40: it must still be sent more than 100 (HiveMQ alone stops at exactly 100).
 */
class InflightTopUpTest {

    private static final int WINDOW = 100;
    private static final int ACKED = 60;

    @Test
    void aSubscriberHalfwayThroughItsWindowGetsTheNextBatch(@TempDir Path dir) throws Exception {
        HostPort mqtt = FreePorts.on("127.0.6.21");
        HostPort http = FreePorts.on("127.0.6.21");
        OverloadConfig overload = new OverloadConfig(true, 1000, 70, Duration.ofSeconds(10), WINDOW, 0);
        try (BrokerReplica replica = new BrokerReplica(new BrokerConfig("topup-1", mqtt, http, dir,
                BrokerConfig.PersistenceMode.memory, 10_000, 1_048_576, -1, Duration.ofSeconds(10),
                Duration.ofSeconds(1)), overload)) {
            replica.start();
            // a persistent session: subscribe, go away, let 3 windows of messages queue up, come back
            try (RawMqttClient subscriber = RawMqttClient.connect(mqtt, "topup-sub", 4, false, true)) {
                subscriber.subscribe("topup/#", 1);
                subscriber.disconnect();
            }
            MqttClient publisher = MqttClients.connect(mqtt.toString(), "topup-pub", true);
            try {
                for (int i = 0; i < 3 * WINDOW; i++) {
                    MqttClients.publishWhenInflightFree(publisher, "topup/x",
                            Integer.toString(i).getBytes(StandardCharsets.UTF_8));
                }
            } finally {
                MqttClients.closeQuietly(publisher);
            }
            try (RawMqttClient subscriber = RawMqttClient.connect(mqtt, "topup-sub", 4, false, true)) {
                Set<String> received = new HashSet<>();
                long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
                while (received.size() <= WINDOW && System.nanoTime() < deadline) {
                    RawMqttClient.Packet p;
                    try {
                        p = subscriber.read(Duration.ofSeconds(10));
                    } catch (SocketTimeoutException e) {
                        break; // nothing more is coming
                    }
                    if (p == null) {
                        break;
                    }
                    if (p.type() != RawMqttClient.PUBLISH) {
                        continue;
                    }
                    received.add(p.publishPayload());
                    if (received.size() <= ACKED) {
                        subscriber.puback(p.publishPacketId());
                    }
                }
                assertThat(received).as("messages sent while %d of the first %d were unacknowledged",
                        WINDOW - ACKED, WINDOW).hasSizeGreaterThan(WINDOW);
            }
        }
    }
}

package io.colmeia.broker.overload;

import static org.assertj.core.api.Assertions.assertThat;

import io.colmeia.broker.BrokerConfig;
import io.colmeia.broker.BrokerReplica;
import io.colmeia.broker.testing.RawMqttClient;
import io.colmeia.common.config.HostPort;
import io.colmeia.common.testing.FreePorts;
import io.colmeia.common.testing.MqttClients;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A QoS 1 subscriber that leaves Nagle's algorithm on and writes each PUBACK on its own (as MQTT.js does) gets its
 * messages about as fast as one with TCP_NODELAY: the replica acknowledges its segments at once, so its held-back
 * PUBACKs are not stuck behind our kernel's delayed ACK (~40 ms) once per in-flight window. With a window of 10
 * and 600 queued messages, a replica without that waits ~60 × 40 ms for the Nagle-on subscriber.
 */
class NagleSubscriberTest {

    private static final int WINDOW = 10;
    private static final int MESSAGES = 600;

    @Test
    void aNagleOnSubscriberIsNotHeldByDelayedAcks(@TempDir Path dir) throws Exception {
        HostPort mqtt = FreePorts.on("127.0.6.22");
        HostPort http = FreePorts.on("127.0.6.22");
        OverloadConfig overload = new OverloadConfig(true, 100_000, 70, Duration.ofSeconds(30), WINDOW, 0);
        try (BrokerReplica replica = new BrokerReplica(new BrokerConfig("nagle-1", mqtt, http, dir,
                BrokerConfig.PersistenceMode.memory, 10_000, 1_048_576, -1, Duration.ofSeconds(10),
                Duration.ofSeconds(1)), overload)) {
            replica.start();
            long noDelayNanos = receiveAll(mqtt, "nodelay-sub", true);
            long nagleNanos = receiveAll(mqtt, "nagle-sub", false);
            System.out.printf("%d messages, window %d: TCP_NODELAY subscriber %d ms, Nagle-on subscriber %d ms%n",
                    MESSAGES, WINDOW, noDelayNanos / 1_000_000, nagleNanos / 1_000_000);
            // a floor under the control run: on a fast, quiet machine it can take a few ms, which says little
            long allowed = 3 * Math.max(noDelayNanos, Duration.ofMillis(200).toNanos());
            assertThat(nagleNanos).as("ms for %d messages with Nagle on (TCP_NODELAY: %d ms)", MESSAGES,
                    noDelayNanos / 1_000_000).isLessThan(allowed);
        }
    }

    /**
     * Subscribes with a persistent session, goes away while {@value #MESSAGES} messages queue up, comes back and
     * acknowledges each one in its own write; returns the time from CONNACK to the last message.
     */
    private static long receiveAll(HostPort mqtt, String clientId, boolean noDelay) throws Exception {
        String topic = "nagle/" + clientId;
        try (RawMqttClient subscriber = RawMqttClient.connect(mqtt, clientId, 4, false, true)) {
            subscriber.subscribe(topic, 1);
            subscriber.disconnect();
        }
        MqttClient publisher = MqttClients.connect(mqtt.toString(), "pub-" + clientId, true);
        try {
            for (int i = 0; i < MESSAGES; i++) {
                MqttClients.publishWhenInflightFree(publisher, topic,
                        Integer.toString(i).getBytes(StandardCharsets.UTF_8));
            }
        } finally {
            MqttClients.closeQuietly(publisher);
        }
        try (RawMqttClient subscriber = RawMqttClient.connect(mqtt, clientId, 4, false, noDelay)) {
            long start = System.nanoTime();
            int received = 0;
            while (received < MESSAGES) {
                // a SocketTimeoutException after 10 s of silence fails the test
                RawMqttClient.Packet p = subscriber.read(Duration.ofSeconds(10));
                assertThat(p).as("the connection closed after %d messages", received).isNotNull();
                if (p.type() != RawMqttClient.PUBLISH) {
                    continue;
                }
                received++;
                subscriber.puback(p.publishPacketId()); // one small write per PUBACK, as MQTT.js
            }
            return System.nanoTime() - start;
        }
    }
}

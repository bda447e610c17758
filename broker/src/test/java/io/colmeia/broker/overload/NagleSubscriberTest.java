package io.colmeia.broker.overload;

import static org.assertj.core.api.Assertions.assertThat;

import io.colmeia.broker.BrokerConfig;
import io.colmeia.broker.BrokerReplica;
import io.colmeia.common.config.HostPort;
import io.colmeia.common.testing.FreePorts;
import io.colmeia.common.testing.MqttClients;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
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
        try (Socket subscriber = new Socket(mqtt.host(), mqtt.port())) {
            DataInputStream in = connect(subscriber, clientId, true);
            byte[] filter = topic.getBytes(StandardCharsets.US_ASCII);
            subscriber.getOutputStream().write(packet(0x82, concat(new byte[] {0, 1, 0, (byte) filter.length},
                    filter, new byte[] {1})));
            assertThat(readPacket(in)[0] & 0xff).as("SUBACK").isEqualTo(0x90);
            subscriber.getOutputStream().write(new byte[] {(byte) 0xe0, 0});
        }
        MqttClient publisher = MqttClients.connect(mqtt.toString(), "pub-" + clientId, true);
        try {
            for (int i = 0; i < MESSAGES; i++) {
                publishWhenPahoHasRoom(publisher, topic, i);
            }
        } finally {
            MqttClients.closeQuietly(publisher);
        }
        try (Socket subscriber = new Socket(mqtt.host(), mqtt.port())) {
            subscriber.setTcpNoDelay(noDelay);
            DataInputStream in = connect(subscriber, clientId, noDelay);
            long start = System.nanoTime();
            OutputStream out = subscriber.getOutputStream();
            int received = 0;
            while (received < MESSAGES) {
                byte[] p = readPacket(in); // SocketTimeoutException after 10 s of silence fails the test
                if ((p[0] & 0xf0) != 0x30) {
                    continue;
                }
                int at = 1 + remainingLengthBytes(p);
                int idAt = at + 2 + (((p[at] & 0xff) << 8) | (p[at + 1] & 0xff));
                received++;
                out.write(new byte[] {0x40, 2, p[idAt], p[idAt + 1]}); // one small write per PUBACK, as MQTT.js
            }
            return System.nanoTime() - start;
        }
    }

    /** CONNECT with a persistent session (clean session off), CONNACK; returns the stream to read from. */
    private static DataInputStream connect(Socket socket, String clientId, boolean noDelay) throws IOException {
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(noDelay);
        byte[] id = clientId.getBytes(StandardCharsets.US_ASCII);
        socket.getOutputStream().write(packet(0x10, concat(new byte[] {0, 4, 'M', 'Q', 'T', 'T', 4, 0, 0, 60, 0,
                (byte) id.length}, id)));
        DataInputStream in = new DataInputStream(socket.getInputStream());
        assertThat(readPacket(in)[0] & 0xff).as("CONNACK").isEqualTo(0x20);
        return in;
    }

    /** Paho frees its in-flight slot a moment after completing the previous publish: retry briefly. */
    private static void publishWhenPahoHasRoom(MqttClient publisher, String topic, int i) throws Exception {
        for (int attempt = 0; ; attempt++) {
            try {
                publisher.publish(topic, new MqttMessage(Integer.toString(i).getBytes(StandardCharsets.UTF_8)));
                return;
            } catch (MqttException e) {
                if (e.getReasonCode() != MqttException.REASON_CODE_MAX_INFLIGHT || attempt >= 100) {
                    throw e;
                }
                Thread.sleep(5);
            }
        }
    }

    private static byte[] packet(int type, byte[] body) {
        return concat(new byte[] {(byte) type}, remainingLength(body.length), body);
    }

    private static byte[] remainingLength(int n) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        do {
            int b = n % 128;
            n /= 128;
            out.write(n > 0 ? b | 0x80 : b);
        } while (n > 0);
        return out.toByteArray();
    }

    private static int remainingLengthBytes(byte[] packet) {
        int i = 1;
        while ((packet[i] & 0x80) != 0) {
            i++;
        }
        return i;
    }

    /** One whole MQTT packet: fixed header byte, remaining length, body. */
    private static byte[] readPacket(DataInputStream in) throws IOException {
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        header.write(in.readUnsignedByte());
        int length = 0;
        int multiplier = 1;
        for (int i = 0; i < 4; i++) {
            int b = in.readUnsignedByte();
            header.write(b);
            length += (b & 0x7f) * multiplier;
            multiplier *= 128;
            if ((b & 0x80) == 0) {
                break;
            }
        }
        byte[] body = new byte[length];
        in.readFully(body);
        return concat(header.toByteArray(), body);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            all.write(p, 0, p.length);
        }
        return all.toByteArray();
    }
}

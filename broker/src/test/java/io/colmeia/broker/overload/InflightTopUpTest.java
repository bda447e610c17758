package io.colmeia.broker.overload;

import static org.assertj.core.api.Assertions.assertThat;

import io.colmeia.broker.BrokerConfig;
import io.colmeia.broker.BrokerReplica;
import io.colmeia.common.config.HostPort;
import io.colmeia.common.testing.FreePorts;
import io.colmeia.common.testing.MqttClients;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttMessage;
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
            try (Socket subscriber = new Socket(mqtt.host(), mqtt.port())) {
                DataInputStream in = connect(subscriber);
                byte[] filter = "topup/#".getBytes(StandardCharsets.US_ASCII);
                subscriber.getOutputStream().write(packet(0x82, concat(new byte[] {0, 1, 0, (byte) filter.length},
                        filter, new byte[] {1})));
                assertThat(readPacket(in)[0] & 0xff).as("SUBACK").isEqualTo(0x90);
                subscriber.getOutputStream().write(new byte[] {(byte) 0xe0, 0});
            }
            MqttClient publisher = MqttClients.connect(mqtt.toString(), "topup-pub", true);
            try {
                for (int i = 0; i < 3 * WINDOW; i++) {
                    publishWhenPahoHasRoom(publisher, i);
                }
            } finally {
                MqttClients.closeQuietly(publisher);
            }
            try (Socket subscriber = new Socket(mqtt.host(), mqtt.port())) {
                DataInputStream in = connect(subscriber);
                OutputStream out = subscriber.getOutputStream();
                Set<String> received = new HashSet<>();
                long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
                while (received.size() <= WINDOW && System.nanoTime() < deadline) {
                    byte[] p;
                    try {
                        p = readPacket(in);
                    } catch (java.net.SocketTimeoutException e) {
                        break; // nothing more is coming
                    }
                    if ((p[0] & 0xf0) != 0x30) {
                        continue;
                    }
                    int at = 1 + remainingLengthBytes(p);
                    int topicLength = ((p[at] & 0xff) << 8) | (p[at + 1] & 0xff);
                    int idAt = at + 2 + topicLength;
                    received.add(new String(p, idAt + 2, p.length - idAt - 2, StandardCharsets.UTF_8));
                    if (received.size() <= ACKED) {
                        out.write(new byte[] {0x40, 2, p[idAt], p[idAt + 1]});
                        out.flush();
                    }
                }
                assertThat(received).as("messages sent while %d of the first %d were unacknowledged",
                        WINDOW - ACKED, WINDOW).hasSizeGreaterThan(WINDOW);
            }
        }
    }

    /** CONNECT with a persistent session (clean session off), CONNACK; returns the stream to read from. */
    private static DataInputStream connect(Socket socket) throws IOException {
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        byte[] id = "topup-sub".getBytes(StandardCharsets.US_ASCII);
        socket.getOutputStream().write(packet(0x10, concat(new byte[] {0, 4, 'M', 'Q', 'T', 'T', 4, 0, 0, 60, 0,
                (byte) id.length}, id)));
        DataInputStream in = new DataInputStream(socket.getInputStream());
        assertThat(readPacket(in)[0] & 0xff).as("CONNACK").isEqualTo(0x20);
        return in;
    }

    /** Paho frees its in-flight slot a moment after completing the previous publish: retry briefly. */
    private static void publishWhenPahoHasRoom(MqttClient publisher, int i) throws Exception {
        for (int attempt = 0; ; attempt++) {
            try {
                publisher.publish("topup/x", new MqttMessage(Integer.toString(i).getBytes(StandardCharsets.UTF_8)));
                return;
            } catch (org.eclipse.paho.client.mqttv3.MqttException e) {
                if (e.getReasonCode() != org.eclipse.paho.client.mqttv3.MqttException.REASON_CODE_MAX_INFLIGHT
                        || attempt >= 100) {
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
        byte[] buffer = new byte[4];
        int i = 0;
        do {
            int b = n % 128;
            n /= 128;
            buffer[i++] = (byte) (n > 0 ? b | 0x80 : b);
        } while (n > 0);
        return java.util.Arrays.copyOf(buffer, i);
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
        int type = in.readUnsignedByte();
        int length = 0;
        int multiplier = 1;
        java.io.ByteArrayOutputStream header = new java.io.ByteArrayOutputStream();
        header.write(type);
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
        int size = 0;
        for (byte[] p : parts) {
            size += p.length;
        }
        byte[] all = new byte[size];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}

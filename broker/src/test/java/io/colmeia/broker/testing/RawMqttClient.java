package io.colmeia.broker.testing;

import io.colmeia.common.config.HostPort;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A minimal MQTT 3.1.1 / 5 client over a plain socket, for tests that must see every packet in the order the
 * broker wrote it (Paho hides PUBACK order and whether a PUBACK arrived before a disconnect) or control how the
 * client writes (one small write per PUBACK, Nagle on or off, PUBACKs held back).
 */
public final class RawMqttClient implements AutoCloseable {

    public static final int PUBLISH = 3;
    public static final int PUBACK = 4;
    public static final int SUBACK = 9;
    public static final int DISCONNECT = 14;

    /** One packet: its type (high nibble of the first byte) and its body after the remaining length. */
    public record Packet(int type, byte[] body) {

        /** The packet id of a PUBACK (or of any packet whose body starts with it). */
        public int packetId() {
            return ((body[0] & 0xff) << 8) | (body[1] & 0xff);
        }

        /** The packet id of a QoS 1/2 MQTT 3.1.1 PUBLISH: after the topic. */
        public int publishPacketId() {
            int at = 2 + topicLength();
            return ((body[at] & 0xff) << 8) | (body[at + 1] & 0xff);
        }

        /** The payload of a QoS 1/2 MQTT 3.1.1 PUBLISH, as UTF-8. */
        public String publishPayload() {
            int at = 2 + topicLength() + 2;
            return new String(body, at, body.length - at, StandardCharsets.UTF_8);
        }

        private int topicLength() {
            return ((body[0] & 0xff) << 8) | (body[1] & 0xff);
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final int version;

    private RawMqttClient(Socket socket, int version) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
        this.version = version;
    }

    /** Connects with a clean session and waits for a successful CONNACK; {@code version} 4 (3.1.1) or 5. */
    public static RawMqttClient connect(HostPort broker, String clientId, int version) throws IOException {
        return connect(broker, clientId, version, true, false);
    }

    /**
     * Connects and waits for a successful CONNACK. {@code cleanSession} false keeps the session (and queued
     * messages) across connections; {@code tcpNoDelay} false leaves Nagle's algorithm on, as MQTT.js does.
     */
    public static RawMqttClient connect(HostPort broker, String clientId, int version, boolean cleanSession,
            boolean tcpNoDelay) throws IOException {
        Socket socket = new Socket(broker.host(), broker.port());
        socket.setTcpNoDelay(tcpNoDelay);
        RawMqttClient client = new RawMqttClient(socket, version);
        try {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            string(body, "MQTT");
            body.write(version);
            body.write(cleanSession ? 0x02 : 0x00);
            body.write(0);
            body.write(60); // keep alive 60 s
            properties(body, version);
            string(body, clientId);
            client.send(0x10, body.toByteArray());
            Packet connack = client.read(Duration.ofSeconds(15));
            if (connack == null || connack.type() != 2 || connack.body()[1] != 0) {
                throw new IOException("no successful CONNACK for " + clientId + ": " + connack);
            }
            return client;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** Sends a QoS 1 PUBLISH; does not wait for its PUBACK. */
    public void publishQos1(String topic, int packetId, String payload) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        string(body, topic);
        body.write(packetId >> 8);
        body.write(packetId & 0xff);
        properties(body, version);
        body.write(payload.getBytes(StandardCharsets.UTF_8));
        send(0x32, body.toByteArray());
    }

    /** Subscribes to one filter (packet id 1) and waits for its SUBACK; returns it. */
    public Packet subscribe(String filter, int qos) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(0);
        body.write(1);
        properties(body, version);
        string(body, filter);
        body.write(qos);
        send(0x82, body.toByteArray());
        Packet suback = read(Duration.ofSeconds(15));
        if (suback == null || suback.type() != SUBACK) {
            throw new IOException("no SUBACK for " + filter + ": " + suback);
        }
        return suback;
    }

    /** Acknowledges a QoS 1 PUBLISH, in a write of its own (as MQTT.js does). */
    public void puback(int packetId) throws IOException {
        send(0x40, new byte[] {(byte) (packetId >> 8), (byte) packetId});
    }

    /** Sends DISCONNECT (the broker then drops the will and, with a clean session, the session). */
    public void disconnect() throws IOException {
        send(0xe0, new byte[0]);
    }

    /**
     * The next packet, or null when the broker closed the connection; throws {@link SocketTimeoutException} when
     * none came within {@code wait}.
     */
    public Packet read(Duration wait) throws IOException {
        socket.setSoTimeout((int) Math.max(1, wait.toMillis()));
        int first;
        try {
            first = in.read();
        } catch (SocketTimeoutException e) {
            throw new SocketTimeoutException("no packet within " + wait);
        } catch (IOException closed) {
            return null; // connection reset by the broker
        }
        if (first < 0) {
            return null;
        }
        int length = 0;
        for (int shift = 0; ; shift += 7) {
            int b = in.readUnsignedByte();
            length |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
            if (shift > 21) {
                throw new IOException("malformed remaining length");
            }
        }
        byte[] body = new byte[length];
        try {
            in.readFully(body);
        } catch (EOFException e) {
            return null;
        }
        return new Packet(first >> 4, body);
    }

    /** One packet, header and body, in one write. */
    private void send(int header, byte[] body) throws IOException {
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        packet.write(header);
        int length = body.length;
        do {
            int b = length & 0x7f;
            length >>>= 7;
            packet.write(length > 0 ? b | 0x80 : b);
        } while (length > 0);
        packet.write(body);
        out.write(packet.toByteArray());
        out.flush();
    }

    /** MQTT 5 packets carry a property length; we send none. */
    private static void properties(ByteArrayOutputStream body, int version) {
        if (version == 5) {
            body.write(0);
        }
    }

    private static void string(ByteArrayOutputStream out, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.write(bytes.length >> 8);
        out.write(bytes.length & 0xff);
        out.write(bytes, 0, bytes.length);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}

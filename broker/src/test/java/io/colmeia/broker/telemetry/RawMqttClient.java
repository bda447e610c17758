package io.colmeia.broker.telemetry;

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
 * broker wrote it (Paho hides PUBACK order and whether a PUBACK arrived before a disconnect).
 */
final class RawMqttClient implements AutoCloseable {

    static final int PUBACK = 4;
    static final int PUBLISH = 3;
    static final int DISCONNECT = 14;

    /** One packet: its type (high nibble of the first byte) and its body after the remaining length. */
    record Packet(int type, byte[] body) {

        int packetId() {
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
    static RawMqttClient connect(HostPort broker, String clientId, int version) throws IOException {
        Socket socket = new Socket(broker.host(), broker.port());
        socket.setSoTimeout(15_000);
        RawMqttClient client = new RawMqttClient(socket, version);
        try {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            string(body, "MQTT");
            body.write(version);
            body.write(0x02); // clean session / clean start
            body.write(0);
            body.write(60); // keep alive 60 s
            if (version == 5) {
                body.write(0); // no properties
            }
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
    void publishQos1(String topic, int packetId, String payload) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        string(body, topic);
        body.write(packetId >> 8);
        body.write(packetId & 0xff);
        if (version == 5) {
            body.write(0);
        }
        body.write(payload.getBytes(StandardCharsets.UTF_8));
        send(0x32, body.toByteArray());
    }

    /** The next packet, or null when the broker closed the connection; throws when none came within {@code wait}. */
    Packet read(Duration wait) throws IOException {
        socket.setSoTimeout((int) Math.max(1, wait.toMillis()));
        int first;
        try {
            first = in.read();
        } catch (SocketTimeoutException e) {
            throw new IOException("no packet within " + wait, e);
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

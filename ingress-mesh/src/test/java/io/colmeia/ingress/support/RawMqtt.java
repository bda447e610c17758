package io.colmeia.ingress.support;

import io.colmeia.common.config.HostPort;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A minimal blocking MQTT 3.1.1 client over a plain socket, for questions that must be asked hundreds of times
 * quickly (Paho spends ~0.3 s per connect): connect, subscribe at QoS 0, read one PUBLISH, disconnect.
 */
public final class RawMqtt implements AutoCloseable {

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    private RawMqtt(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 65536));
        this.out = new BufferedOutputStream(socket.getOutputStream(), 65536);
    }

    /** Connects and returns the client; throws if the CONNACK is missing or not "accepted". */
    public static RawMqtt connect(HostPort via, String clientId) throws IOException {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(via.toSocketAddress(), 5000);
            socket.setSoTimeout(10_000);
            RawMqtt client = new RawMqtt(socket);
            client.out.write(Packets.simpleConnect(MqttVersion.MQTT_3_1_1, clientId));
            client.out.flush();
            int[] packet = client.readHeader();
            byte[] body = client.readBody(packet[1]);
            if (packet[0] != 0x20 || body.length != 2 || body[1] != 0) {
                throw new IOException("CONNACK not accepted: type 0x" + Integer.toHexString(packet[0]));
            }
            return client;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** Subscribes at QoS 0 and returns the payload of the first message (e.g. a retained one). */
    public String firstMessage(String topic) throws IOException {
        subscribe(topic);
        return nextPublish();
    }

    /** Sends SUBSCRIBE at QoS 0 (the SUBACK is skipped by {@link #nextPublish()}). */
    public void subscribe(String topic) throws IOException {
        byte[] t = topic.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {0, 1, (byte) (t.length >>> 8), (byte) t.length});
        body.writeBytes(t);
        body.write(0);
        out.write(0x82);
        out.write(body.size());
        out.write(body.toByteArray());
        out.flush();
    }

    /** Sends a QoS 0 PUBLISH (payload under 16 KiB) at once. */
    public void publish(String topic, byte[] payload) throws IOException {
        publish(topic, payload, true);
    }

    /** Sends a QoS 0 PUBLISH; without {@code flush} it may wait in the client's 64 KiB buffer. */
    public void publish(String topic, byte[] payload, boolean flush) throws IOException {
        publish(topic, payload, false, flush);
    }

    /** Sends a QoS 0 PUBLISH, retained if asked. */
    public void publish(String topic, byte[] payload, boolean retain, boolean flush) throws IOException {
        byte[] t = topic.getBytes(StandardCharsets.UTF_8);
        int length = 2 + t.length + payload.length;
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        packet.write(retain ? 0x31 : 0x30);
        packet.write(0x80 | (length & 0x7F));
        packet.write(length >>> 7);
        packet.write(t.length >>> 8);
        packet.write(t.length & 0xFF);
        packet.writeBytes(t);
        packet.writeBytes(payload);
        out.write(packet.toByteArray());
        if (flush) {
            out.flush();
        }
    }

    public void flush() throws IOException {
        out.flush();
    }

    /** The payload of the next PUBLISH received, skipping other packets (at most 10). */
    public String nextPublish() throws IOException {
        for (int i = 0; i < 10; i++) {
            int[] header = readHeader();
            byte[] packet = readBody(header[1]);
            if ((header[0] & 0xF0) == 0x30) {
                int topicLength = ((packet[0] & 0xFF) << 8) | (packet[1] & 0xFF);
                int qos = (header[0] >> 1) & 3;
                int start = 2 + topicLength + (qos > 0 ? 2 : 0);
                return new String(packet, start, packet.length - start, StandardCharsets.UTF_8);
            }
        }
        throw new IOException("no PUBLISH among the first 10 packets");
    }

    /** The name of the replica a client id lands on through {@code via} (see {@link Clients#label}). */
    public static String whichReplica(HostPort via, String clientId) throws IOException {
        try (RawMqtt client = connect(via, clientId)) {
            return client.firstMessage(Clients.WHOAMI);
        }
    }

    private int[] readHeader() throws IOException {
        int type = in.readUnsignedByte();
        int length = 0;
        int multiplier = 1;
        for (int i = 0; i < 4; i++) {
            int b = in.readUnsignedByte();
            length += (b & 0x7F) * multiplier;
            if ((b & 0x80) == 0) {
                return new int[] {type, length};
            }
            multiplier *= 128;
        }
        throw new IOException("malformed remaining length");
    }

    private byte[] readBody(int length) throws IOException {
        byte[] body = new byte[length];
        try {
            in.readFully(body);
        } catch (EOFException e) {
            throw new IOException("connection closed mid-packet", e);
        }
        return body;
    }

    @Override
    public void close() throws IOException {
        try {
            out.write(new byte[] {(byte) 0xE0, 0});
            out.flush();
        } catch (IOException ignored) {
            // already closed by the peer
        } finally {
            socket.close();
        }
    }
}

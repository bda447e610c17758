package io.colmeia.broker.overload;

import io.colmeia.common.config.HostPort;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warms a new replica's publish path before it reports ready: a cold JVM (interpreted code, empty caches) hit
 * with tens of thousands of messages per second falls behind where a warm one copes. Two MQTT 3.1.1 clients on
 * the replica's own listener, a QoS 1 subscriber and a publisher, send {@code messages} messages (half QoS 1,
 * half QoS 0) through HiveMQ's real decode, route, queue and encode code. Their client ids start with
 * {@link #CLIENT_PREFIX}: the replica gives them none of its other interceptors, so nothing is stored or
 * forwarded to peers.
 */
public final class Warmup {

    public static final String CLIENT_PREFIX = "colmeia-warmup-";
    private static final Logger LOG = LoggerFactory.getLogger(Warmup.class);
    private static final int WINDOW = 500;
    private static final byte[] PAYLOAD = "{\"warmup\":true,\"Temperatura\":21.5,\"Umidade\":40}".getBytes(
            StandardCharsets.UTF_8);

    private Warmup() {
    }

    /**
     * The exact client ids of this process's warm-ups (random, never reused): only they skip the tap and the
     * forwarder, so a device that merely names itself like a warm-up client is stored and forwarded as usual.
     */
    private static final java.util.Set<String> OWN_CLIENTS = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public static boolean isWarmupClient(String clientId) {
        return clientId != null && OWN_CLIENTS.contains(clientId);
    }

    /** What a warm-up did: messages sent and received back, and how long it took. */
    public record Result(long sent, long received, Duration took, String problem) {
        public boolean complete() {
            return problem == null && received >= sent;
        }
    }

    /**
     * Runs the warm-up within {@code budget}; never throws: a failed warm-up is reported, not fatal. With
     * {@code withQos1} false it sends QoS 0 only (a replica whose --max-queue-size is too small to queue a
     * burst of QoS 1 messages for the warm-up subscriber).
     */
    public static Result run(HostPort mqtt, String nodeId, int messages, Duration budget, boolean withQos1) {
        long begin = System.nanoTime();
        long deadline = begin + budget.toNanos();
        String nonce = Long.toHexString(new java.security.SecureRandom().nextLong());
        OWN_CLIENTS.add(CLIENT_PREFIX + "sub-" + nonce);
        OWN_CLIENTS.add(CLIENT_PREFIX + "pub-" + nonce);
        String topic = "colmeia-warmup/" + nodeId + "/" + nonce;
        AtomicLong received = new AtomicLong();
        AtomicLong acked = new AtomicLong();
        long sent = 0;
        String problem = null;
        int timeoutMs = (int) Math.max(1000, budget.toMillis());
        try (Socket sub = open(mqtt, CLIENT_PREFIX + "sub-" + nonce, timeoutMs);
             Socket pub = open(mqtt, CLIENT_PREFIX + "pub-" + nonce, timeoutMs)) {
            OutputStream subOut = new BufferedOutputStream(sub.getOutputStream());
            write(subOut, subscribe(topic));
            subOut.flush();
            DataInputStream subIn = new DataInputStream(sub.getInputStream());
            expect(subIn, 0x90, "SUBACK");
            Thread subReader = reader("warmup-sub", subIn, subOut, received, null);
            DataInputStream pubIn = new DataInputStream(pub.getInputStream());
            Thread pubReader = reader("warmup-pub", pubIn, null, null, acked);
            OutputStream pubOut = new BufferedOutputStream(pub.getOutputStream(), 64 * 1024);
            byte[] topicBytes = topic.getBytes(StandardCharsets.UTF_8);
            int packetId = 0;
            while (sent < messages && System.nanoTime() < deadline) {
                boolean qos1 = withQos1 && (sent & 1) == 0;
                if (qos1) {
                    long waitUntil = System.nanoTime() + 100_000_000L;
                    while (sent / 2 - acked.get() >= WINDOW && System.nanoTime() < Math.min(deadline, waitUntil)) {
                        pubOut.flush();
                        LockSupport.parkNanos(50_000); // not a spin: the broker needs the CPU to catch up
                    }
                    packetId = packetId % 65535 + 1;
                }
                write(pubOut, publish(topicBytes, qos1 ? packetId : 0));
                sent++;
            }
            pubOut.flush();
            while (received.get() < sent && System.nanoTime() < deadline && subReader.isAlive()) {
                Thread.sleep(5);
            }
            write(pubOut, new byte[] {(byte) 0xE0, 0});
            pubOut.flush();
            write(subOut, new byte[] {(byte) 0xE0, 0});
            subOut.flush();
            subReader.join(1000);
            pubReader.join(1000);
            if (received.get() < sent) {
                problem = "received " + received.get() + " of " + sent + " messages within " + budget;
            }
        } catch (IOException e) {
            problem = e.getClass().getSimpleName() + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            problem = "interrupted";
        }
        Result result = new Result(sent, received.get(), Duration.ofNanos(System.nanoTime() - begin), problem);
        if (result.complete()) {
            LOG.info("warm-up: {} messages through the publish path in {} ms", sent, result.took().toMillis());
        } else {
            LOG.warn("warm-up incomplete ({}); reporting ready anyway", problem);
        }
        return result;
    }

    private static Socket open(HostPort mqtt, String clientId, int timeoutMs) throws IOException {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(mqtt.toSocketAddress(), timeoutMs);
            socket.setSoTimeout(timeoutMs);
            OutputStream out = socket.getOutputStream();
            out.write(connect(clientId));
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            expect(in, 0x20, "CONNACK");
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** Reads packets until the connection closes: acknowledges QoS 1 PUBLISHes, counts them and PUBACKs. */
    private static Thread reader(String name, DataInputStream in, OutputStream ackTo, AtomicLong publishes,
                                 AtomicLong pubacks) {
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    int header = in.readUnsignedByte();
                    int length = remainingLength(in);
                    byte[] body = new byte[length];
                    in.readFully(body);
                    int type = header & 0xF0;
                    if (type == 0x30 && publishes != null) {
                        int qos = (header >> 1) & 3;
                        if (qos > 0 && ackTo != null) {
                            int topicLength = ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
                            synchronized (ackTo) {
                                ackTo.write(new byte[] {0x40, 2, body[2 + topicLength], body[3 + topicLength]});
                            }
                        }
                        publishes.incrementAndGet();
                    } else if (type == 0x40 && pubacks != null) {
                        pubacks.incrementAndGet();
                    }
                    if (ackTo != null && in.available() == 0) {
                        synchronized (ackTo) {
                            ackTo.flush(); // batch PUBACKs, but never keep one back while nothing else arrives
                        }
                    }
                }
            } catch (IOException ignored) {
                // closed: the warm-up is over (or failed, which the counts show)
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void write(OutputStream out, byte[] packet) throws IOException {
        synchronized (out) {
            out.write(packet);
        }
    }

    private static void expect(DataInputStream in, int type, String name) throws IOException {
        int header = in.readUnsignedByte();
        int length = remainingLength(in);
        byte[] body = new byte[length];
        in.readFully(body);
        if ((header & 0xF0) != type) {
            throw new IOException("expected " + name + ", got packet type 0x" + Integer.toHexString(header));
        }
        if (type == 0x20 && (length < 2 || body[1] != 0)) {
            throw new IOException("CONNACK refused the warm-up client");
        }
    }

    private static int remainingLength(DataInputStream in) throws IOException {
        int value = 0;
        for (int shift = 0; shift <= 21; shift += 7) {
            int b = in.readUnsignedByte();
            value |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new EOFException("malformed remaining length");
    }

    private static byte[] connect(String clientId) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        string(body, "MQTT".getBytes(StandardCharsets.US_ASCII));
        body.write(4); // MQTT 3.1.1
        body.write(0x02); // clean session
        body.write(0);
        body.write(60); // keep alive 60 s
        string(body, clientId.getBytes(StandardCharsets.UTF_8));
        return packet(0x10, body.toByteArray());
    }

    private static byte[] subscribe(String topic) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(0);
        body.write(1); // packet id 1
        string(body, topic.getBytes(StandardCharsets.UTF_8));
        body.write(1); // QoS 1
        return packet(0x82, body.toByteArray());
    }

    private static byte[] publish(byte[] topic, int packetId) {
        ByteArrayOutputStream body = new ByteArrayOutputStream(topic.length + PAYLOAD.length + 4);
        string(body, topic);
        if (packetId > 0) {
            body.write(packetId >> 8);
            body.write(packetId & 0xFF);
        }
        body.write(PAYLOAD, 0, PAYLOAD.length);
        return packet(packetId > 0 ? 0x32 : 0x30, body.toByteArray());
    }

    private static void string(ByteArrayOutputStream out, byte[] bytes) {
        out.write(bytes.length >> 8);
        out.write(bytes.length & 0xFF);
        out.write(bytes, 0, bytes.length);
    }

    private static byte[] packet(int header, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + 5);
        out.write(header);
        int length = body.length;
        do {
            int digit = length % 128;
            length /= 128;
            out.write(length > 0 ? digit | 0x80 : digit);
        } while (length > 0);
        out.write(body, 0, body.length);
        return out.toByteArray();
    }
}

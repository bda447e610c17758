package io.colmeia.common.probe;

import io.colmeia.common.config.HostPort;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A real MQTT 3.1.1 health check: CONNECT (clean session), expect CONNACK "accepted" (or "bad username or
 * password" / "not authorized": a broker that requires credentials serves too), then DISCONNECT.
 * A TCP connect alone proves only that a port is open; this proves the broker serves MQTT.
 * Used by the broker's own readiness, the ingress mesh and the DNS server.
 */
public final class MqttProbe {

    private static final int CONNACK = 0x20;
    private static final byte[] DISCONNECT = {(byte) 0xE0, 0x00};

    private MqttProbe() {
    }

    /** Outcome of one probe; {@code detail} says why a failed probe failed. */
    public record Result(boolean healthy, String detail, Duration elapsed) {
    }

    /**
     * Probes {@code target}. {@code clientIdPrefix} gets a random suffix: two probes with one client id that
     * reach the same broker (e.g. through two ingress nodes) would take each other's session over and both
     * fail.
     */
    public static Result probe(HostPort target, String clientIdPrefix, Duration timeout) {
        long start = System.nanoTime();
        String clientId = clientIdPrefix + "-" + Long.toHexString(
                java.util.concurrent.ThreadLocalRandom.current().nextLong() & 0xFFFFFFFFFFL);
        int timeoutMs = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.connect(target.toSocketAddress(), timeoutMs);
            socket.setSoTimeout(timeoutMs);
            OutputStream out = socket.getOutputStream();
            out.write(connectPacket(clientId));
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            int header = in.readUnsignedByte();
            if (header != CONNACK) {
                return fail("expected CONNACK, got packet type 0x" + Integer.toHexString(header), start);
            }
            int length = readRemainingLength(in);
            if (length != 2) {
                return fail("CONNACK with remaining length " + length + " (expected 2)", start);
            }
            in.readUnsignedByte(); // session present flag
            int code = in.readUnsignedByte();
            if (code == 4 || code == 5) {
                // the broker answers MQTT and wants credentials (an anonymous probe is refused where devices must
                // log in): it serves; "server unavailable" (3, e.g. draining) and the others do not
                out.write(DISCONNECT);
                out.flush();
                return new Result(true, "CONNACK refused with return code " + code
                        + " (credentials required): serving", since(start));
            }
            if (code != 0) {
                return fail("CONNACK refused with return code " + code, start);
            }
            out.write(DISCONNECT);
            out.flush();
            return new Result(true, "CONNACK accepted", since(start));
        } catch (SocketTimeoutException e) {
            return fail("no answer within " + timeoutMs + " ms", start);
        } catch (EOFException e) {
            return fail("connection closed before CONNACK", start);
        } catch (IOException | IllegalArgumentException | SecurityException e) {
            return fail(e.getClass().getSimpleName() + ": " + e.getMessage(), start);
        }
    }

    static byte[] connectPacket(String clientId) {
        byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
        if (id.length > 65535) {
            throw new IllegalArgumentException("client id longer than 65535 bytes");
        }
        ByteArrayOutputStream variable = new ByteArrayOutputStream();
        writeString(variable, "MQTT".getBytes(StandardCharsets.US_ASCII));
        variable.write(4);        // protocol level 3.1.1
        variable.write(0x02);     // clean session
        variable.write(0);        // keep alive MSB
        variable.write(10);       // keep alive 10 s
        writeString(variable, id);
        byte[] body = variable.toByteArray();
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        packet.write(0x10);
        int remaining = body.length;
        do {
            int digit = remaining % 128;
            remaining /= 128;
            packet.write(remaining > 0 ? digit | 0x80 : digit);
        } while (remaining > 0);
        packet.writeBytes(body);
        return packet.toByteArray();
    }

    private static void writeString(ByteArrayOutputStream out, byte[] bytes) {
        out.write(bytes.length >>> 8);
        out.write(bytes.length & 0xFF);
        out.writeBytes(bytes);
    }

    private static int readRemainingLength(InputStream in) throws IOException {
        int value = 0;
        int multiplier = 1;
        for (int i = 0; i < 4; i++) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException();
            }
            value += (b & 0x7F) * multiplier;
            if ((b & 0x80) == 0) {
                return value;
            }
            multiplier *= 128;
        }
        throw new IOException("malformed remaining length");
    }

    private static Result fail(String detail, long start) {
        return new Result(false, detail, since(start));
    }

    private static Duration since(long start) {
        return Duration.ofNanos(System.nanoTime() - start);
    }
}

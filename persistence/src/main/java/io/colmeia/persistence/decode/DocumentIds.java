package io.colmeia.persistence.decode;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;

/**
 * The deterministic {@code _id} of a stored message, so that a retransmission is stored once.
 *
 * <p>The id is the first 128 bits (32 hex digits) of SHA-256 over the client id, the topic, the payload bytes
 * and, only when the payload carries no valid device time, the receive-time window
 * ({@code floor(receivedAt / dedupe-window)}):
 * <ul>
 *   <li>With a device time (the ESP8266 {@code Data} field), two byte-identical payloads from the same client
 *       on the same topic ARE the same reading, whenever they arrive: a retransmission after a broker crash,
 *       minutes later on another replica, is still recognised.</li>
 *   <li>Without one, identical payloads can be different readings (a switch reporting "ON" twice), so the
 *       receive time must take part. Trade-off: a retransmission that lands in a later window is stored twice,
 *       and two genuinely different but byte-identical readings inside one window are stored once.</li>
 * </ul>
 * The MQTT packet id is not used: it is reused after every reconnect and is not unique.
 */
public final class DocumentIds {

    private DocumentIds() {
    }

    /** The id of a payload that carries its own valid device time. */
    public static String withDeviceTime(String clientId, String topic, byte[] payload) {
        return hash(clientId, topic, "device-time", payload);
    }

    /** The id of a payload without a device time: the receive-time window takes part. */
    public static String withReceiveWindow(String clientId, String topic, byte[] payload, Instant receivedAt,
                                           Duration window) {
        long windowMillis = Math.max(1, window.toMillis());
        long index = Math.floorDiv(receivedAt.toEpochMilli(), windowMillis);
        return hash(clientId, topic, "window:" + windowMillis + ":" + index, payload);
    }

    private static String hash(String clientId, String topic, String variant, byte[] payload) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
        field(sha, "colmeia-v1".getBytes(StandardCharsets.UTF_8));
        field(sha, clientId.getBytes(StandardCharsets.UTF_8));
        field(sha, topic.getBytes(StandardCharsets.UTF_8));
        field(sha, variant.getBytes(StandardCharsets.UTF_8));
        field(sha, payload);
        byte[] digest = sha.digest();
        return HexFormat.of().formatHex(digest, 0, 16);
    }

    /** Length-prefixed, so that no two different (client, topic, payload) tuples feed the same bytes. */
    private static void field(MessageDigest sha, byte[] value) {
        int n = value.length;
        sha.update(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
        sha.update(value);
    }
}

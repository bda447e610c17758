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
 * <p>The id is 42 hex digits: the reading's time in epoch seconds (10 digits, zero-padded: the device time, or the
 * start of the receive-time window), then the first 128 bits of SHA-256 over the client id, the topic, the payload
 * bytes and, only when the payload carries no valid device time, the receive-time window
 * ({@code floor(receivedAt / dedupe-window)}). The time prefix is a function of the hashed inputs, so it changes
 * nothing about what counts as the same reading; it makes ids grow with time, so new documents land at the end
 * of the {@code _id} B-tree instead of at random places (with random ids every insert rewrote a different page:
 * the embedded store's main cost, and a cache cost for MongoDB's WiredTiger at scale).
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
    public static String withDeviceTime(String clientId, String topic, byte[] payload, Instant deviceTime) {
        return timePrefix(deviceTime.getEpochSecond()) + hash(clientId, topic, "device-time", payload);
    }

    /** The id of a payload without a device time: the receive-time window takes part. */
    public static String withReceiveWindow(String clientId, String topic, byte[] payload, Instant receivedAt,
                                           Duration window) {
        long windowMillis = Math.max(1, window.toMillis());
        long index = Math.floorDiv(receivedAt.toEpochMilli(), windowMillis);
        long windowStartSeconds = Math.floorDiv(index * windowMillis, 1000L);
        return timePrefix(windowStartSeconds) + hash(clientId, topic, "window:" + windowMillis + ":" + index, payload);
    }

    /** Ten hex digits, zero-padded, so that ids sort by time (enough until the year 36812). */
    private static String timePrefix(long epochSeconds) {
        String hex = Long.toHexString(Math.max(0, epochSeconds));
        return "0".repeat(Math.max(0, 10 - hex.length())) + hex;
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

package io.colmeia.emulator.subscriber;

import java.nio.charset.StandardCharsets;

/**
 * Pulls the three fields a subscriber measures with ({@code Mac}, {@code seq}, {@code sentAtUs}) out of a
 * payload without building a JSON tree: subscribers read tens of thousands of messages a second on two cores.
 * Anything that is not an emulator telemetry payload (status "online"/"offline", other publishers) gives null.
 */
public record TelemetryFields(String mac, long seq, long sentAtMicros) {

    private static final byte[] MAC = "\"Mac\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SEQ = "\"seq\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SENT = "\"sentAtUs\":".getBytes(StandardCharsets.US_ASCII);

    public static TelemetryFields parse(byte[] payload) {
        if (payload.length < 2 || payload[0] != '{') {
            return null;
        }
        int macAt = indexOf(payload, MAC, 0);
        if (macAt < 0) {
            return null;
        }
        int macStart = macAt + MAC.length;
        int macEnd = macStart;
        while (macEnd < payload.length && payload[macEnd] != '"' && macEnd - macStart <= 64) {
            macEnd++;
        }
        if (macEnd >= payload.length || payload[macEnd] != '"' || macEnd == macStart) {
            return null;
        }
        long seq = number(payload, indexOf(payload, SEQ, macEnd), SEQ.length);
        long sent = number(payload, indexOf(payload, SENT, macEnd), SENT.length);
        if (seq < 1 || sent < 0) {
            return null;
        }
        return new TelemetryFields(new String(payload, macStart, macEnd - macStart, StandardCharsets.US_ASCII),
                seq, sent);
    }

    private static long number(byte[] bytes, int at, int skip) {
        if (at < 0) {
            return -1;
        }
        int i = at + skip;
        long value = 0;
        int digits = 0;
        while (i < bytes.length && bytes[i] >= '0' && bytes[i] <= '9' && digits < 18) {
            value = value * 10 + (bytes[i] - '0');
            i++;
            digits++;
        }
        return digits == 0 ? -1 : value;
    }

    private static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = Math.max(0, from); i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}

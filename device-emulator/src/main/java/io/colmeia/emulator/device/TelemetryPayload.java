package io.colmeia.emulator.device;

import java.nio.charset.StandardCharsets;

/**
 * The ESP8266 seed payload, byte for byte in the field order and number format the firmware sends:
 * <pre>{"Mac":"A0:20:A6:15:F5:B5","Data":"1511400053","Temperatura":24.00,"Umidade":32.00,"Luminosidade":847}</pre>
 * followed by the emulator's extra fields {@code "seq"} (per-publisher sequence number, from 1) and
 * {@code "sentAtUs"} (wall-clock send time in epoch microseconds), which the persistence decoder keeps as extra
 * fields and the subscribers use for loss, duplicate and latency measurement.
 */
public final class TelemetryPayload {

    private TelemetryPayload() {
    }

    /** Just the seed fields, exactly as the firmware writes them. */
    public static String seed(String mac, long deviceEpochSeconds, double temperature, double humidity,
                              int light) {
        StringBuilder sb = new StringBuilder(128);
        appendSeed(sb, mac, deviceEpochSeconds, temperature, humidity, light);
        return sb.append('}').toString();
    }

    public static byte[] encode(String mac, long deviceEpochSeconds, SensorModel.Reading reading, long seq,
                                long sentAtMicros) {
        StringBuilder sb = new StringBuilder(160);
        appendSeed(sb, mac, deviceEpochSeconds, reading.temperature(), reading.humidity(), reading.light());
        sb.append(",\"seq\":").append(seq).append(",\"sentAtUs\":").append(sentAtMicros).append('}');
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static void appendSeed(StringBuilder sb, String mac, long deviceEpochSeconds, double temperature,
                                   double humidity, int light) {
        sb.append("{\"Mac\":\"").append(mac)
                .append("\",\"Data\":\"").append(deviceEpochSeconds)
                .append("\",\"Temperatura\":");
        appendTwoDecimals(sb, temperature);
        sb.append(",\"Umidade\":");
        appendTwoDecimals(sb, humidity);
        sb.append(",\"Luminosidade\":").append(light);
    }

    /** "%.2f" without the cost of Formatter: 24 → 24.00, -3.5 → -3.50. */
    static void appendTwoDecimals(StringBuilder sb, double value) {
        long hundredths = Math.round(value * 100);
        if (hundredths < 0) {
            sb.append('-');
            hundredths = -hundredths;
        }
        sb.append(hundredths / 100).append('.');
        long frac = hundredths % 100;
        if (frac < 10) {
            sb.append('0');
        }
        sb.append(frac);
    }
}

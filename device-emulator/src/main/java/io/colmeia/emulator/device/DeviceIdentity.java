package io.colmeia.emulator.device;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Who one virtual ESP8266 is: its MAC-like id (vendor prefix + 24-bit device number), its MQTT client id and
 * its topics. Device numbers are 1-based and global, so several emulator processes with different
 * {@code --device-offset} emulate disjoint devices.
 */
public record DeviceIdentity(int number, String mac, String clientId, String telemetryTopic, String statusTopic) {

    /** Rooms cycle per device, like a house full of boards: device 1 is in the "sala". */
    public static final List<String> ROOMS = List.of("sala", "quarto", "cozinha", "escritorio", "garagem");

    /** Largest device number the 24-bit MAC suffix can carry. */
    public static final int MAX_NUMBER = 0xFF_FFFF;

    private static final Pattern MAC_PREFIX = Pattern.compile("[0-9A-F]{2}:[0-9A-F]{2}:[0-9A-F]{2}");

    public static DeviceIdentity of(int number, String macPrefix, String topicTemplate) {
        if (number < 1 || number > MAX_NUMBER) {
            throw new IllegalArgumentException("device number " + number + " is outside 1.." + MAX_NUMBER);
        }
        String mac = macPrefix + String.format(Locale.ROOT, ":%02X:%02X:%02X",
                (number >>> 16) & 0xFF, (number >>> 8) & 0xFF, number & 0xFF);
        String compact = mac.replace(":", "");
        String room = ROOMS.get((number - 1) % ROOMS.size());
        String telemetry = topicTemplate.replace("{n}", Integer.toString(number))
                .replace("{room}", room)
                .replace("{mac}", compact);
        int lastSlash = telemetry.lastIndexOf('/');
        String status = (lastSlash < 0 ? telemetry : telemetry.substring(0, lastSlash)) + "/status";
        return new DeviceIdentity(number, mac, "esp8266-" + compact, telemetry, status);
    }

    /** Checks a --mac-prefix value: three upper-case hex octets, e.g. A0:20:A6 (an Espressif OUI). */
    public static boolean isValidMacPrefix(String prefix) {
        return prefix != null && MAC_PREFIX.matcher(prefix).matches();
    }

    /** Checks a --topic template: a valid publish topic once placeholders are filled, with a level to replace. */
    public static String validateTopicTemplate(String template) {
        if (template == null || template.isBlank()) {
            return "is empty";
        }
        if (template.contains("+") || template.contains("#")) {
            return "must not contain wildcards (+ or #): devices publish to concrete topics";
        }
        if (template.startsWith("$")) {
            return "must not start with '$' (reserved for broker topics)";
        }
        if (template.length() > 200) {
            return "is longer than 200 characters";
        }
        return null;
    }
}

package io.colmeia.emulator.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What a benchmark run exercises. */
public enum Scenario {
    /** Few publishers as fast as allowed (or at --rate), one subscriber: raw message throughput and latency. */
    THROUGHPUT("throughput"),
    /** Many devices at a fixed interval, subscribers on a wildcard: a fleet's fan-in. */
    FAN_IN("fan-in"),
    /** Few publishers (at --rate or as fast as allowed), many subscribers (--subscribers) on one filter. */
    FAN_OUT("fan-out"),
    /** Many devices that only connect and idle: connection rate and the target's memory per connection. */
    CONNECTIONS("connections");

    private final String label;

    Scenario(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** Scenarios driven by --publishers (and --rate) rather than --devices (and --interval). */
    public boolean byPublishers() {
        return this == THROUGHPUT || this == FAN_OUT;
    }

    public boolean publishes() {
        return this != CONNECTIONS;
    }

    public static Scenario parse(String text) {
        for (Scenario s : values()) {
            if (s.label.equalsIgnoreCase(text) || s.name().equalsIgnoreCase(text)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown scenario '" + text + "'; use one of " + labels());
    }

    public static String labels() {
        return Arrays.stream(values()).map(Scenario::label).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return label.toLowerCase(Locale.ROOT);
    }
}

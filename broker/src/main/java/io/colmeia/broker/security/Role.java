package io.colmeia.broker.security;

import java.util.List;

/**
 * What a user may do by default; a user entry may replace the topic lists of its role. Patterns are MQTT topic
 * filters in which {@code %u} stands for the username and {@code %c} for the client id.
 */
public enum Role {
    /** A sensor: publishes under its own name, reads only its own topics (e.g. commands). */
    device(List.of("+/%u/#"), List.of("+/%u/#")),
    /** Node-RED, dashboards: read everything (not $-topics), publish nothing. */
    subscriber(List.of(), List.of("#")),
    /** Operators and tools: everything. */
    admin(List.of("#"), List.of("#"));

    private final List<String> publish;
    private final List<String> subscribe;

    Role(List<String> publish, List<String> subscribe) {
        this.publish = publish;
        this.subscribe = subscribe;
    }

    public List<String> defaultPublish() {
        return publish;
    }

    public List<String> defaultSubscribe() {
        return subscribe;
    }

    /** Parses a role name; the message lists the valid ones. */
    public static Role parse(String name) {
        for (Role r : values()) {
            if (r.name().equals(name)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown role '" + name + "': use device, subscriber or admin");
    }
}

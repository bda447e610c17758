package io.colmeia.emulator.mqtt;

import java.time.Duration;

/**
 * How one MQTT 3.1.1 client behaves. {@code will} may be null. {@code maxInFlight} bounds unacknowledged
 * QoS 1/2 PUBLISHes (and, for a subscriber, nothing).
 */
public record ClientSettings(
        String clientId,
        boolean cleanSession,
        Duration keepAlive,
        Will will,
        int maxInFlight,
        boolean tcpNoDelay,
        Duration connectTimeout,
        Duration reconnectMin,
        Duration reconnectMax,
        int maxPacketBytes) {

    /** The last will: published by the broker if the client vanishes without DISCONNECT. */
    public record Will(String topic, byte[] payload, int qos, boolean retain) {
    }

    public ClientSettings {
        if (clientId == null || clientId.isEmpty() || clientId.length() > 65_535) {
            throw new IllegalArgumentException("client id must have 1..65535 characters");
        }
        if (keepAlive.toSeconds() < 1 || keepAlive.toSeconds() > 65_535) {
            throw new IllegalArgumentException("keep-alive must be 1..65535 s");
        }
        if (maxInFlight < 1 || maxInFlight > 65_535) {
            throw new IllegalArgumentException("max in-flight must be 1..65535");
        }
    }

    public ClientSettings withClientId(String id) {
        return new ClientSettings(id, cleanSession, keepAlive, will, maxInFlight, tcpNoDelay, connectTimeout,
                reconnectMin, reconnectMax, maxPacketBytes);
    }

    public ClientSettings withWill(Will w) {
        return new ClientSettings(clientId, cleanSession, keepAlive, w, maxInFlight, tcpNoDelay, connectTimeout,
                reconnectMin, reconnectMax, maxPacketBytes);
    }

    public ClientSettings withCleanSession(boolean clean) {
        return new ClientSettings(clientId, clean, keepAlive, will, maxInFlight, tcpNoDelay, connectTimeout,
                reconnectMin, reconnectMax, maxPacketBytes);
    }
}

package io.colmeia.persistence;

import java.time.Instant;
import java.util.Objects;

/**
 * One PUBLISH as the broker's telemetry tap received it from a client (never a cluster-forwarded copy).
 *
 * @param topic      the MQTT topic
 * @param payload    the payload bytes (not copied: the caller must not change them after submitting)
 * @param qos        0, 1 or 2
 * @param clientId   the publishing client's id
 * @param node       the broker replica that received it
 * @param receivedAt when the replica received it
 */
public record TelemetryMessage(String topic, byte[] payload, int qos, String clientId, String node,
                               Instant receivedAt) {

    public TelemetryMessage {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(receivedAt, "receivedAt");
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("qos must be 0, 1 or 2, got " + qos);
        }
    }
}

package io.colmeia.broker.cluster.link;

import java.util.List;
import java.util.Objects;

/**
 * An MQTT PUBLISH as it crosses a cluster link: everything a peer needs to deliver it to its local subscribers.
 * Optional MQTT 5 properties are null (strings, bytes), -1 (expiry, payload format) or empty (user properties).
 */
public record Message(
        String topic,
        int qos,
        boolean retain,
        byte[] payload,
        String contentType,
        String responseTopic,
        byte[] correlationData,
        long messageExpiry,
        int payloadFormat,
        List<String> userProperties) {

    public Message {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(payload, "payload");
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("qos " + qos);
        }
        if (userProperties.size() % 2 != 0) {
            throw new IllegalArgumentException("user properties come in name/value pairs");
        }
        userProperties = List.copyOf(userProperties);
    }

    public static Message simple(String topic, int qos, boolean retain, byte[] payload) {
        return new Message(topic, qos, retain, payload, null, null, null, -1, -1, List.of());
    }

    /** Rough heap/wire cost, for buffer accounting. */
    public int size() {
        return topic.length() + payload.length + 64;
    }
}

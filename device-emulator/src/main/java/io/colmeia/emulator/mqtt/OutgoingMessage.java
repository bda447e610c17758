package io.colmeia.emulator.mqtt;

/**
 * One QoS 1/2 PUBLISH held until the broker acknowledges it. {@code released} is set when a QoS 2 PUBREC
 * arrived (from then on PUBREL, not PUBLISH, is what gets retransmitted).
 */
public final class OutgoingMessage {

    final int packetId;
    final String topic;
    final byte[] payload;
    final int qos;
    final boolean retain;
    final boolean telemetry;
    final long seq;
    final long firstSentNanos;
    boolean released;
    int sends;

    OutgoingMessage(int packetId, String topic, byte[] payload, int qos, boolean retain, boolean telemetry, long seq,
                    long firstSentNanos) {
        this.packetId = packetId;
        this.topic = topic;
        this.payload = payload;
        this.qos = qos;
        this.retain = retain;
        this.telemetry = telemetry;
        this.seq = seq;
        this.firstSentNanos = firstSentNanos;
    }

    public int packetId() {
        return packetId;
    }

    public int qos() {
        return qos;
    }

    public boolean telemetry() {
        return telemetry;
    }

    public long seq() {
        return seq;
    }

    public long firstSentNanos() {
        return firstSentNanos;
    }

    public int sends() {
        return sends;
    }

    public boolean released() {
        return released;
    }
}

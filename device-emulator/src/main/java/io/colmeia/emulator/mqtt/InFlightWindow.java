package io.colmeia.emulator.mqtt;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The unacknowledged QoS 1/2 PUBLISHes of one client, in send order, with packet-id allocation that never
 * reuses an id still in flight. Survives reconnects: what is here after a reconnect is retransmitted with DUP.
 * Not thread-safe: used only on the client's event loop.
 */
public final class InFlightWindow {

    private final int capacity;
    private final LinkedHashMap<Integer, OutgoingMessage> byId = new LinkedHashMap<>();
    private int nextId = 1;

    public InFlightWindow(int capacity) {
        if (capacity < 1 || capacity > 65_535) {
            throw new IllegalArgumentException("capacity " + capacity + " outside 1..65535");
        }
        this.capacity = capacity;
    }

    public boolean hasRoom() {
        return byId.size() < capacity;
    }

    public int size() {
        return byId.size();
    }

    public int capacity() {
        return capacity;
    }

    /** Tracks a new message under a fresh packet id; the caller checked {@link #hasRoom()}. */
    public OutgoingMessage add(String topic, byte[] payload, int qos, boolean retain, boolean telemetry, long seq,
                               long nowNanos) {
        if (qos < 1 || qos > 2) {
            throw new IllegalArgumentException("only QoS 1 and 2 are tracked, got " + qos);
        }
        if (!hasRoom()) {
            throw new IllegalStateException("in-flight window full (" + capacity + ")");
        }
        int id = nextFreeId();
        OutgoingMessage m = new OutgoingMessage(id, topic, payload, qos, retain, telemetry, seq, nowNanos);
        byId.put(id, m);
        return m;
    }

    /** PUBACK (QoS 1): completes the message; null when the id is unknown or not QoS 1. */
    public OutgoingMessage puback(int packetId) {
        OutgoingMessage m = byId.get(packetId);
        if (m == null || m.qos != 1) {
            return null;
        }
        return byId.remove(packetId);
    }

    /** PUBREC (QoS 2): the broker has it; from now on PUBREL is owed. Null when unknown. */
    public OutgoingMessage pubrec(int packetId) {
        OutgoingMessage m = byId.get(packetId);
        if (m == null || m.qos != 2) {
            return null;
        }
        m.released = true;
        return m;
    }

    /** PUBCOMP (QoS 2): completes the message; null when the id is unknown or no PUBREC came first. */
    public OutgoingMessage pubcomp(int packetId) {
        OutgoingMessage m = byId.get(packetId);
        if (m == null || m.qos != 2 || !m.released) {
            return null;
        }
        return byId.remove(packetId);
    }

    /** Everything still unacknowledged, oldest first: what a reconnect must send again. */
    public List<OutgoingMessage> pending() {
        return new ArrayList<>(byId.values());
    }

    /** Drops everything (a clean session that the broker no longer knows); returns what was dropped. */
    public List<OutgoingMessage> clear() {
        List<OutgoingMessage> all = pending();
        byId.clear();
        return all;
    }

    private int nextFreeId() {
        for (int i = 0; i < 65_535; i++) {
            int id = nextId;
            nextId = nextId == 65_535 ? 1 : nextId + 1;
            if (!byId.containsKey(id)) {
                return id;
            }
        }
        throw new IllegalStateException("no free packet id");
    }

    Map<Integer, OutgoingMessage> view() {
        return byId;
    }
}

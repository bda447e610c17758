package io.colmeia.broker.cluster.link;

import java.util.List;

/**
 * The cluster link protocol: length-prefixed binary frames (4-byte big-endian length, then a 1-byte type and
 * the body). {@link #VERSION} changes whenever a frame's layout changes; peers with another version are refused
 * at the handshake.
 */
public sealed interface Frame {

    int VERSION = 1;

    /** Dialer → acceptor, first frame: who I am and where my link listener is. */
    record Hello(int version, String nodeId, long incarnation, int clusterPort) implements Frame {
    }

    /** Acceptor → dialer: handshake accepted. */
    record Welcome(String nodeId, long incarnation) implements Frame {
    }

    /** Acceptor → dialer: handshake refused, then the connection closes. */
    record Reject(RejectReason reason, String nodeId, String detail) implements Frame {
    }

    enum RejectReason {
        /** Protocol versions differ. */
        VERSION,
        /** The node with the lower id dials; the acceptor dials back instead. */
        REVERSE,
        /** The dialer reached itself (e.g. its own address in --peers-dns). */
        SELF,
        /** Another running node has the same id. */
        DUPLICATE_ID
    }

    /** Heartbeat. */
    record Ping() implements Frame {
    }

    /** Every routing filter of the sender, replacing what the receiver knew. */
    record RoutesFull(List<String> filters) implements Frame {
    }

    record RouteAdd(String filter) implements Frame {
    }

    record RouteRemove(String filter) implements Frame {
    }

    /** A client PUBLISH received by the sender, to deliver locally; QoS 1/2 are acknowledged by {@link Ack}. */
    record Publish(long seq, Message message) implements Frame {
    }

    /** The receiver has handed the publish with this sequence number to its broker. */
    record Ack(long seq) implements Frame {
    }

    /** One retained message of the sender's store (sync when a link comes up): store it if missing, no delivery. */
    record Retained(Message message) implements Frame {
    }
}

package io.colmeia.broker.cluster.link;

import java.util.List;

/**
 * The cluster link protocol: length-prefixed binary frames (4-byte big-endian length, then a 1-byte type and
 * the body). {@link #VERSION} changes whenever a frame's layout changes; peers with another version are refused
 * at the handshake.
 */
public sealed interface Frame {

    /**
     * 2: shared-subscription groups (SharesFull, ShareCount) and share picks in Publish.
     * 3: {@link Ack} is cumulative (every publish up to its sequence number), one per batch instead of one each.
     */
    int VERSION = 3;

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

    /** Every shared-subscription group of the sender with its member count, replacing what the receiver knew. */
    record SharesFull(java.util.Map<String, Integer> counts) implements Frame {
        public SharesFull {
            counts = java.util.Map.copyOf(counts);
        }
    }

    /** The sender's member count of one group changed; 0 = it has no member any more. */
    record ShareCount(String key, int count) implements Frame {
    }

    /**
     * A client PUBLISH received by the sender, to deliver locally; QoS 1/2 are acknowledged by {@link Ack}.
     * {@code plain}: deliver to the receiver's ordinary subscribers (it advertised a matching filter).
     * {@code shareKeys}: shared-subscription groups ({@code GROUP/FILTER}) the sender picked the receiver for;
     * the receiver delivers to one of its members of each.
     */
    record Publish(long seq, Message message, boolean plain, List<String> shareKeys) implements Frame {
        public Publish {
            shareKeys = List.copyOf(shareKeys);
        }

        /** For ordinary subscribers only. */
        public Publish(long seq, Message message) {
            this(seq, message, true, List.of());
        }
    }

    /**
     * The receiver has handed every publish of the sender's stream up to and including this sequence number to its
     * broker (cumulative: the receiver delivers in sequence order; sent once per batch of received frames).
     */
    record Ack(long seq) implements Frame {
    }

    /** One retained message of the sender's store (sync when a link comes up): store it if missing, no delivery. */
    record Retained(Message message) implements Frame {
    }
}

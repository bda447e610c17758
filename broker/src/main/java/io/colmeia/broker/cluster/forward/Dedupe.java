package io.colmeia.broker.cluster.forward;

/**
 * Receiver-side duplicate filter for one peer's stream. A peer numbers its forwards 1, 2, 3 ... per incarnation
 * (one process lifetime) and sends them in order on one link; after a reconnect it re-sends unacknowledged ones
 * in order. So a message is new exactly when its sequence is above the highest seen from that incarnation.
 * Synchronized: successive links of one peer may run on different event loops.
 */
public final class Dedupe {

    private long incarnation;
    private long highest;

    /** A (re)connected peer: a new incarnation starts a new stream. */
    public synchronized void linkUp(long peerIncarnation) {
        if (peerIncarnation != incarnation) {
            incarnation = peerIncarnation;
            highest = 0;
        }
    }

    /** True when the message is new (deliver it), false for a duplicate (acknowledge it again, do not deliver). */
    public synchronized boolean firstTime(long seq) {
        if (seq <= highest) {
            return false;
        }
        highest = seq;
        return true;
    }
}

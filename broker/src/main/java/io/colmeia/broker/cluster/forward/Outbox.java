package io.colmeia.broker.cluster.forward;

import io.colmeia.broker.cluster.link.Frame;
import io.colmeia.broker.cluster.link.Message;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The bounded outbound buffer towards one peer. Every forwarded message gets the next sequence number of this
 * stream. QoS 1/2 messages stay until the peer acknowledges them: when the link drops they are queued again, in
 * order, ahead of newer messages, and re-sent once the link is back (the peer drops duplicates by sequence).
 * QoS 0 messages are sent at most once: while the link is down they are not buffered.
 *
 * <p>At most {@code capacity} messages are held (unsent plus unacknowledged); beyond that new messages are refused
 * and the caller counts the drop. Thread-safe: clients' threads offer, the link's event loop drains and acks.
 *
 * <p>Acknowledgements are cumulative (link protocol 3): the peer delivers a stream in sequence order, so "up to N"
 * settles every unacknowledged message up to N at once; sent frames wait in sequence order, so that is a poll from
 * the front.
 */
public final class Outbox {

    /** Where drained frames go: the link's channel. */
    public interface Sink {
        boolean writable();

        void write(Frame.Publish frame);

        void flush();
    }

    public enum Offer { QUEUED, DROPPED_FULL, DROPPED_LINK_DOWN }

    private static final int FLUSH_EVERY = 64;

    private final int capacity;
    private final ArrayDeque<Frame.Publish> pending = new ArrayDeque<>();
    /** Sent QoS 1/2 frames awaiting the peer's ack, in sequence order (drain sends in order). */
    private final ArrayDeque<Frame.Publish> unacked = new ArrayDeque<>();
    private long nextSeq = 1;
    private Sink sink;

    public Outbox(int capacity) {
        this.capacity = capacity;
    }

    public Offer offer(Message message) {
        return offer(message, true, java.util.List.of());
    }

    /** Queues {@code message} for ordinary subscribers ({@code plain}) and/or the shared groups in {@code shareKeys}. */
    public synchronized Offer offer(Message message, boolean plain, java.util.List<String> shareKeys) {
        if (message.qos() == 0 && sink == null) {
            return Offer.DROPPED_LINK_DOWN;
        }
        if (pending.size() + unacked.size() >= capacity) {
            return Offer.DROPPED_FULL;
        }
        pending.add(new Frame.Publish(nextSeq++, message, plain, shareKeys));
        return Offer.QUEUED;
    }

    /** Writes as much as the link accepts (stops when the channel is not writable: backpressure). */
    public synchronized int drain() {
        if (sink == null) {
            return 0;
        }
        int written = 0;
        while (!pending.isEmpty() && sink.writable()) {
            Frame.Publish frame = pending.poll();
            sink.write(frame);
            if (frame.message().qos() > 0) {
                unacked.add(frame);
            }
            if (++written % FLUSH_EVERY == 0) {
                sink.flush();
            }
        }
        if (written > 0) {
            sink.flush();
        }
        return written;
    }

    /** The peer handed every message of this stream up to and including {@code upTo} to its broker. */
    public synchronized void ack(long upTo) {
        while (!unacked.isEmpty() && unacked.peekFirst().seq() <= upTo) {
            unacked.pollFirst();
        }
    }

    /** The link is up again (or for the first time): what is pending, re-sends first, goes to {@code sink}. */
    public synchronized void linkUp(Sink newSink) {
        this.sink = newSink;
    }

    /**
     * The link is gone: unacknowledged QoS 1/2 messages go back to the front of the queue (in sequence order) to be
     * re-sent; queued QoS 0 messages are dropped.
     *
     * @return {requeued, droppedQos0}
     */
    public synchronized int[] linkDown() {
        sink = null;
        ArrayDeque<Frame.Publish> again = new ArrayDeque<>(unacked);
        int requeued = again.size();
        int dropped = 0;
        for (Iterator<Frame.Publish> it = pending.iterator(); it.hasNext(); ) {
            Frame.Publish p = it.next();
            if (p.message().qos() == 0) {
                dropped++;
            } else {
                again.add(p);
            }
        }
        unacked.clear();
        pending.clear();
        pending.addAll(again);
        return new int[] {requeued, dropped};
    }

    /** Messages held: not yet sent, or sent and not yet acknowledged. */
    public synchronized int size() {
        return pending.size() + unacked.size();
    }

    public synchronized int unackedCount() {
        return unacked.size();
    }
}

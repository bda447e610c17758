package io.colmeia.emulator.subscriber;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * Loss, duplicate and order accounting for one subscription, per publisher sequence number (seq starts at 1).
 * <ul>
 *   <li>a seq seen before is a <b>duplicate</b> (QoS 1 redelivery, or a broker/cluster forwarding twice);</li>
 *   <li>a seq below the highest seen from that publisher is <b>out of order</b> (guarantee 3 is broken);</li>
 *   <li>a seq never seen up to the highest seen is a <b>gap</b>; against what publishers report as sent,
 *       {@link #missing(Map)} counts the <b>lost</b> messages, including a lost tail.</li>
 * </ul>
 * Thread-safe (methods are synchronized; one subscriber's event loop writes, a reporter reads).
 */
public final class SequenceTracker {

    private final Map<String, Publisher> publishers = new HashMap<>();
    private long unique;
    private long duplicates;
    private long outOfOrder;

    private static final class Publisher {
        final BitSet seen = new BitSet();
        long highest;
        long unique;
    }

    /** Outcome of one {@link #record}. */
    public enum Outcome { NEW, DUPLICATE, OUT_OF_ORDER }

    public synchronized Outcome record(String publisher, long seq) {
        if (seq < 1 || seq > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("seq " + seq + " outside 1.." + Integer.MAX_VALUE);
        }
        Publisher p = publishers.computeIfAbsent(publisher, k -> new Publisher());
        int index = (int) seq;
        if (p.seen.get(index)) {
            duplicates++;
            return Outcome.DUPLICATE;
        }
        p.seen.set(index);
        p.unique++;
        unique++;
        if (seq < p.highest) {
            outOfOrder++;
            return Outcome.OUT_OF_ORDER;
        }
        p.highest = seq;
        return Outcome.NEW;
    }

    public synchronized long unique() {
        return unique;
    }

    public synchronized long duplicates() {
        return duplicates;
    }

    public synchronized long outOfOrder() {
        return outOfOrder;
    }

    public synchronized int publisherCount() {
        return publishers.size();
    }

    /** Sequence numbers never seen below the highest seen, summed over publishers (a lost tail is invisible). */
    public synchronized long gaps() {
        long gaps = 0;
        for (Publisher p : publishers.values()) {
            gaps += p.highest - p.seen.cardinality();
        }
        return gaps;
    }

    /**
     * Messages lost: for each publisher, the seqs 1..lastSent it reports as sent that this subscription never
     * received. Publishers that sent nothing are skipped; publishers this subscription never heard of count whole.
     */
    public synchronized long missing(Map<String, Long> lastSentByPublisher) {
        long missing = 0;
        for (Map.Entry<String, Long> e : lastSentByPublisher.entrySet()) {
            long last = e.getValue();
            if (last < 1) {
                continue;
            }
            Publisher p = publishers.get(e.getKey());
            if (p == null) {
                missing += last;
                continue;
            }
            int upTo = (int) Math.min(last, Integer.MAX_VALUE - 1L);
            missing += upTo - p.seen.get(1, upTo + 1).cardinality();
        }
        return missing;
    }
}

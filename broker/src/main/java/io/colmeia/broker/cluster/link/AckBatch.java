package io.colmeia.broker.cluster.link;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Acknowledgements for one link, cumulative and batched: a peer's publishes arrive and are handed to the broker in
 * sequence order, so one {@link Frame.Ack} carrying the highest handed-off sequence settles all of them. The ack
 * goes out {@link #DELAY_MICROS} after the first message it covers: at a few thousand messages per second that is
 * one frame (a write on this side, a read on the other) per several messages instead of one per message; at full
 * speed, one per a few hundred. The only cost of the delay is that the sender holds those messages for re-send a
 * little longer.
 */
public final class AckBatch {

    private static final AttributeKey<AckBatch> KEY = AttributeKey.valueOf("colmeia.ackBatch");
    /** How long an ack waits for more messages to cover. */
    static final long DELAY_MICROS = 2_000;

    private final Channel channel;
    private final AtomicLong highest = new AtomicLong();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private long written;

    private AckBatch(Channel channel) {
        this.channel = channel;
    }

    /** The batch of {@code channel} (created on first use). */
    public static AckBatch of(Channel channel) {
        AckBatch batch = channel.attr(KEY).get();
        if (batch == null) {
            AckBatch created = new AckBatch(channel);
            batch = channel.attr(KEY).setIfAbsent(created);
            if (batch == null) {
                batch = created;
            }
        }
        return batch;
    }

    /** Acknowledges everything up to {@code seq} within {@link #DELAY_MICROS}. Any thread. */
    public void ack(long seq) {
        highest.accumulateAndGet(seq, Math::max);
        if (scheduled.compareAndSet(false, true)) {
            channel.eventLoop().schedule(this::writeAll, DELAY_MICROS, TimeUnit.MICROSECONDS);
        }
    }

    private void writeAll() {
        scheduled.set(false);
        long upTo = highest.get();
        if (upTo > written && channel.isActive()) {
            written = upTo;
            channel.writeAndFlush(new Frame.Ack(upTo), channel.voidPromise());
        }
    }
}

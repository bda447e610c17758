package io.colmeia.broker.cluster.link;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Acknowledgements for one link, cumulative and batched: a peer's publishes arrive and are handed to the broker in
 * sequence order, so one {@link Frame.Ack} carrying the highest handed-off sequence settles all of them. Acks
 * noted while the link's event loop reads a batch of frames go out as one frame (and one flush) after that batch,
 * instead of a frame, a decode and a buffer lookup on both sides per message.
 */
public final class AckBatch {

    private static final AttributeKey<AckBatch> KEY = AttributeKey.valueOf("colmeia.ackBatch");

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

    /** Acknowledges everything up to {@code seq} soon (after the current event-loop turn). Any thread. */
    public void ack(long seq) {
        highest.accumulateAndGet(seq, Math::max);
        if (scheduled.compareAndSet(false, true)) {
            channel.eventLoop().execute(this::writeAll);
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

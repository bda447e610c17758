package io.colmeia.broker.cluster.link;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Acknowledgements for one link, written in batches: deliveries complete on HiveMQ's executor threads, one by one;
 * writing and flushing each ack from there costs a task hand-off and a syscall per message. Acks are queued and
 * one task on the link's event loop writes all that are waiting with a single flush.
 */
public final class AckBatch {

    private static final AttributeKey<AckBatch> KEY = AttributeKey.valueOf("colmeia.ackBatch");

    private final Channel channel;
    private final ConcurrentLinkedQueue<Long> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();

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

    /** Acknowledges {@code seq} soon (within the current event-loop turn). Any thread. */
    public void ack(long seq) {
        waiting.add(seq);
        if (scheduled.compareAndSet(false, true)) {
            channel.eventLoop().execute(this::writeAll);
        }
    }

    private void writeAll() {
        scheduled.set(false);
        int n = 0;
        for (Long seq = waiting.poll(); seq != null; seq = waiting.poll()) {
            if (channel.isActive()) {
                channel.write(new Frame.Ack(seq), channel.voidPromise());
                n++;
            }
        }
        if (n > 0) {
            channel.flush();
        }
    }
}

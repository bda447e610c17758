package io.colmeia.broker.cluster.forward;

import static org.assertj.core.api.Assertions.assertThat;

import io.colmeia.broker.cluster.link.Frame;
import io.colmeia.broker.cluster.link.Message;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutboxTest {

    private final Outbox outbox = new Outbox(4);
    private final RecordingSink sink = new RecordingSink();

    @Test
    void sendsInSequenceOrder() {
        outbox.linkUp(sink);
        outbox.offer(msg("a", 1));
        outbox.offer(msg("b", 0));
        outbox.drain();
        assertThat(sink.seqs()).containsExactly(1L, 2L);
    }

    @Test
    void resendsUnacknowledgedQos1AfterReconnectAheadOfNewerMessages() {
        outbox.linkUp(sink);
        outbox.offer(msg("a", 1));
        outbox.offer(msg("b", 2));
        outbox.drain();
        outbox.ack(1);
        int[] down = outbox.linkDown();
        assertThat(down).containsExactly(1, 0);
        outbox.offer(msg("c", 1));
        RecordingSink again = new RecordingSink();
        outbox.linkUp(again);
        outbox.drain();
        assertThat(again.seqs()).containsExactly(2L, 3L);
    }

    @Test
    void aCumulativeAckSettlesEverySentMessageUpToItsSequence() {
        Outbox big = new Outbox(10);
        big.linkUp(sink);
        for (int i = 0; i < 5; i++) {
            big.offer(msg("m" + i, i == 1 ? 0 : 1)); // seq 2 is QoS 0: never awaits an ack
        }
        big.drain();
        assertThat(big.unackedCount()).isEqualTo(4);
        big.ack(3);
        assertThat(big.unackedCount()).isEqualTo(2);
        big.ack(2); // an older (re-sent) ack changes nothing
        assertThat(big.unackedCount()).isEqualTo(2);
        assertThat(big.linkDown()).containsExactly(2, 0);
        RecordingSink again = new RecordingSink();
        big.linkUp(again);
        big.drain();
        assertThat(again.seqs()).containsExactly(4L, 5L);
    }

    @Test
    void dropsQos0WhileTheLinkIsDownAndKeepsQos1() {
        assertThat(outbox.offer(msg("a", 0))).isEqualTo(Outbox.Offer.DROPPED_LINK_DOWN);
        assertThat(outbox.offer(msg("b", 1))).isEqualTo(Outbox.Offer.QUEUED);
        assertThat(outbox.size()).isEqualTo(1);
    }

    @Test
    void refusesMessagesBeyondCapacityCountingUnacknowledged() {
        outbox.linkUp(sink);
        for (int i = 0; i < 4; i++) {
            assertThat(outbox.offer(msg("m" + i, 1))).isEqualTo(Outbox.Offer.QUEUED);
        }
        outbox.drain();
        assertThat(outbox.offer(msg("x", 1))).isEqualTo(Outbox.Offer.DROPPED_FULL);
        outbox.ack(1);
        assertThat(outbox.offer(msg("y", 1))).isEqualTo(Outbox.Offer.QUEUED);
    }

    @Test
    void stopsWritingWhenTheLinkIsNotWritable() {
        sink.writable = false;
        outbox.linkUp(sink);
        outbox.offer(msg("a", 1));
        assertThat(outbox.drain()).isZero();
        sink.writable = true;
        assertThat(outbox.drain()).isEqualTo(1);
    }

    @Test
    void dedupeDeliversEachSequenceOncePerIncarnation() {
        Dedupe dedupe = new Dedupe();
        dedupe.linkUp(7);
        assertThat(dedupe.firstTime(1)).isTrue();
        assertThat(dedupe.firstTime(2)).isTrue();
        assertThat(dedupe.firstTime(2)).isFalse();
        dedupe.linkUp(7);
        assertThat(dedupe.firstTime(1)).isFalse();
        assertThat(dedupe.firstTime(3)).isTrue();
        dedupe.linkUp(8);
        assertThat(dedupe.firstTime(1)).isTrue();
    }

    private static Message msg(String topic, int qos) {
        return Message.simple(topic, qos, false, new byte[0]);
    }

    private static final class RecordingSink implements Outbox.Sink {
        final List<Frame.Publish> frames = new ArrayList<>();
        boolean writable = true;

        @Override
        public boolean writable() {
            return writable;
        }

        @Override
        public void write(Frame.Publish frame) {
            frames.add(frame);
        }

        @Override
        public void flush() {
        }

        List<Long> seqs() {
            return frames.stream().map(Frame.Publish::seq).toList();
        }
    }
}

package io.colmeia.emulator.subscriber;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SequenceTrackerTest {

    @Test
    void inOrderDeliveryHasNoLossNoDuplicates() {
        SequenceTracker t = new SequenceTracker();
        for (long s = 1; s <= 100; s++) {
            assertThat(t.record("a", s)).isEqualTo(SequenceTracker.Outcome.NEW);
        }
        assertThat(t.unique()).isEqualTo(100);
        assertThat(t.duplicates()).isZero();
        assertThat(t.gaps()).isZero();
        assertThat(t.missing(Map.of("a", 100L))).isZero();
    }

    @Test
    void aRepeatedSequenceNumberIsADuplicate() {
        SequenceTracker t = new SequenceTracker();
        t.record("a", 1);
        t.record("a", 2);
        assertThat(t.record("a", 2)).isEqualTo(SequenceTracker.Outcome.DUPLICATE);
        assertThat(t.record("a", 1)).isEqualTo(SequenceTracker.Outcome.DUPLICATE);
        t.record("a", 3);
        assertThat(t.unique()).isEqualTo(3);
        assertThat(t.duplicates()).isEqualTo(2);
        assertThat(t.outOfOrder()).isZero();
    }

    @Test
    void sameSequenceFromAnotherPublisherIsNotADuplicate() {
        SequenceTracker t = new SequenceTracker();
        t.record("a", 1);
        assertThat(t.record("b", 1)).isEqualTo(SequenceTracker.Outcome.NEW);
        assertThat(t.duplicates()).isZero();
        assertThat(t.publisherCount()).isEqualTo(2);
    }

    @Test
    void holesBelowTheHighestAreGapsAndLateArrivalsAreOutOfOrder() {
        SequenceTracker t = new SequenceTracker();
        for (long s : new long[] {1, 2, 5, 6, 9}) {
            t.record("a", s);
        }
        assertThat(t.gaps()).isEqualTo(4); // 3, 4, 7, 8
        assertThat(t.record("a", 4)).isEqualTo(SequenceTracker.Outcome.OUT_OF_ORDER);
        assertThat(t.gaps()).isEqualTo(3);
        assertThat(t.outOfOrder()).isEqualTo(1);
        assertThat(t.duplicates()).isZero();
    }

    @Test
    void missingCountsALostTailAgainstWhatThePublisherSent() {
        SequenceTracker t = new SequenceTracker();
        for (long s = 1; s <= 10; s++) {
            if (s != 4) {
                t.record("a", s);
            }
        }
        // publisher a sent 15: 4 and 11..15 never arrived; the tail is invisible to gaps()
        assertThat(t.gaps()).isEqualTo(1);
        assertThat(t.missing(Map.of("a", 15L))).isEqualTo(6);
    }

    @Test
    void aPublisherNeverHeardOfIsLostWhole() {
        SequenceTracker t = new SequenceTracker();
        t.record("a", 1);
        assertThat(t.missing(Map.of("a", 1L, "b", 7L, "c", 0L))).isEqualTo(7);
    }

    @Test
    void receivedBeyondWhatWasReportedSentIsNotNegativeLoss() {
        SequenceTracker t = new SequenceTracker();
        for (long s = 1; s <= 5; s++) {
            t.record("a", s);
        }
        assertThat(t.missing(Map.of("a", 3L))).isZero();
    }
}

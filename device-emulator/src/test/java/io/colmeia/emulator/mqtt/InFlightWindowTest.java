package io.colmeia.emulator.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class InFlightWindowTest {

    private static OutgoingMessage add(InFlightWindow w, int qos, long seq) {
        return w.add("t", new byte[] {1}, qos, false, true, seq, 0);
    }

    @Test
    void holdsAtMostItsCapacity() {
        InFlightWindow w = new InFlightWindow(2);
        add(w, 1, 1);
        add(w, 1, 2);
        assertThat(w.hasRoom()).isFalse();
        assertThatThrownBy(() -> add(w, 1, 3)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void pubackCompletesQos1OnceAndUnknownIdsAreIgnored() {
        InFlightWindow w = new InFlightWindow(10);
        OutgoingMessage m = add(w, 1, 1);
        assertThat(w.puback(m.packetId())).isSameAs(m);
        assertThat(w.puback(m.packetId())).isNull();
        assertThat(w.puback(999)).isNull();
        assertThat(w.size()).isZero();
    }

    @Test
    void qos2NeedsPubrecThenPubcomp() {
        InFlightWindow w = new InFlightWindow(10);
        OutgoingMessage m = add(w, 2, 1);
        assertThat(w.pubcomp(m.packetId())).isNull(); // no PUBREC yet
        assertThat(w.puback(m.packetId())).isNull();  // wrong ack type
        assertThat(w.pubrec(m.packetId())).isSameAs(m);
        assertThat(m.released()).isTrue();
        assertThat(w.pending()).containsExactly(m);
        assertThat(w.pubcomp(m.packetId())).isSameAs(m);
        assertThat(w.size()).isZero();
    }

    @Test
    void pendingKeepsSendOrderForRetransmission() {
        InFlightWindow w = new InFlightWindow(10);
        OutgoingMessage a = add(w, 1, 1);
        OutgoingMessage b = add(w, 1, 2);
        OutgoingMessage c = add(w, 1, 3);
        w.puback(b.packetId());
        assertThat(w.pending()).containsExactly(a, c);
    }

    @Test
    void packetIdsWrapAroundAndSkipIdsStillInFlight() {
        InFlightWindow w = new InFlightWindow(3);
        OutgoingMessage stuck = add(w, 1, 0); // id 1 stays unacknowledged
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 70_000; i++) {
            OutgoingMessage m = add(w, 1, i);
            assertThat(m.packetId()).isBetween(1, 65_535).isNotEqualTo(stuck.packetId());
            seen.add(m.packetId());
            w.puback(m.packetId());
        }
        assertThat(seen).hasSize(65_534);
    }
}

package io.colmeia.launcher.drill;

import static org.assertj.core.api.Assertions.assertThat;

import io.colmeia.emulator.device.DeviceIdentity;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The verdict judges guarantee 1 on the devices' records against the database, nothing else. */
class VerdictTest {

    private static final DeviceIdentity DEVICE = DeviceIdentity.of(1, Drill.MAC_PREFIX, "no{n}/{room}/temperatura");
    private static final String MAC = DEVICE.mac();

    private final AckLedger ledger = new AckLedger();

    private Verdict verdict(BitSet stored, long storedTwice, List<Fault> faults, List<FaultKind> requested) {
        StoredReadings db = new StoredReadings(Map.of(MAC, stored), stored.cardinality() + storedTwice, storedTwice,
                storedTwice > 0 ? List.of(MAC + "#1") : List.of());
        return Verdict.compute(0, 10, 1, 3, faults, ledger, ledger.acknowledged(), List.of(), db, requested,
                System.currentTimeMillis());
    }

    private static BitSet seqs(int... values) {
        BitSet b = new BitSet();
        for (int v : values) {
            b.set(v);
        }
        return b;
    }

    @Test
    void everyAcknowledgedReadingStoredOncePasses() {
        ledger.acknowledged(DEVICE, 1);
        ledger.acknowledged(DEVICE, 2);
        Verdict v = verdict(seqs(1, 2, 3), 0, List.of(), List.of());
        assertThat(v.passed()).isTrue();
        assertThat(v.acknowledged()).isEqualTo(2);
        assertThat(v.lost()).isZero();
        assertThat(v.storedNotAcknowledged()).as("stored, ack lost with the connection: allowed").isEqualTo(1);
    }

    @Test
    void anAcknowledgedReadingMissingFromTheDatabaseFails() {
        ledger.acknowledged(DEVICE, 1);
        ledger.acknowledged(DEVICE, 2);
        Verdict v = verdict(seqs(1), 0, List.of(), List.of());
        assertThat(v.passed()).isFalse();
        assertThat(v.lost()).isEqualTo(1);
        assertThat(v.lostSamples()).singleElement().asString().startsWith(MAC + "#2");
        assertThat(v.text()).contains("FAILED", "lost (acknowledged, not stored) 1");
    }

    @Test
    void anUnreadableDatabaseFailsWithoutClaimingLoss() {
        ledger.acknowledged(DEVICE, 1);
        Verdict v = Verdict.compute(0, 10, 1, 1, List.of(), ledger, ledger.acknowledged(), List.of(),
                StoredReadings.unreadable(), List.of(), System.currentTimeMillis());
        assertThat(v.passed()).isFalse();
        assertThat(v.lost()).isEqualTo(-1);
        assertThat(v.failures()).containsExactly("the database could not be read: lost and stored twice are unknown");
    }

    @Test
    void aReadingStoredTwiceFails() {
        ledger.acknowledged(DEVICE, 1);
        Verdict v = verdict(seqs(1), 1, List.of(), List.of());
        assertThat(v.passed()).isFalse();
        assertThat(v.storedTwice()).isEqualTo(1);
    }

    @Test
    void aRequestedFaultKindThatNeverHappenedFails() {
        ledger.acknowledged(DEVICE, 1);
        long now = System.currentTimeMillis();
        Fault broker = new Fault(1, FaultKind.BROKER, "broker-2", now, 10, 11, now + 100, now + 100, null);
        Verdict v = verdict(seqs(1), 0, List.of(broker), List.of(FaultKind.BROKER, FaultKind.STORE));
        assertThat(v.passed()).isFalse();
        assertThat(v.failures()).containsExactly("no store fault was injected");
        assertThat(v.faultsByKind()).containsEntry("broker", 1);
    }

    @Test
    void outagesAreAttributedToTheFaultWhoseWindowContainsThem() {
        long t = 1_000_000;
        List<Fault> faults = List.of(
                new Fault(1, FaultKind.BROKER, "broker-1", t, 1, 2, t + 3_000, t + 3_000, null),
                new Fault(2, FaultKind.DNS, "dns-1", t + 20_000, 3, 4, t + 22_000, t + 22_000, null));
        assertThat(Verdict.faultAt(faults, t + 100)).isZero();
        assertThat(Verdict.faultAt(faults, t + 3_000 + Verdict.GRACE_MILLIS)).isZero();
        assertThat(Verdict.faultAt(faults, t + 12_000)).isEqualTo(-1);
        assertThat(Verdict.faultAt(faults, t + 21_000)).isEqualTo(1);
    }

    @Test
    void percentilesAreNearestRank() {
        long[] sorted = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertThat(Verdict.percentile(sorted, 0.5)).isEqualTo(5);
        assertThat(Verdict.percentile(sorted, 0.99)).isEqualTo(10);
        assertThat(Verdict.stats(List.of(), 2).notBack()).isEqualTo(2);
    }
}

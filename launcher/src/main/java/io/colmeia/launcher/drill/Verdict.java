package io.colmeia.launcher.drill;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The outcome of a drill, computed only from the devices' own records ({@link AckLedger}), the subscribers'
 * records and the database. Guarantee 1 is judged on {@code lost} and {@code storedTwice}; reconnect times and
 * subscriber gaps are reported per fault kind, attributed by time: an event belongs to the latest fault whose
 * window (from {@value #LEAD_MILLIS} ms before it until {@value #GRACE_MILLIS} ms after its target served again)
 * contains it; "none" otherwise.
 */
record Verdict(boolean passed, List<String> failures, long faultPhaseSeconds, int devices, int subscribersCount,
               long published, long acknowledged, long stored, long storedDocuments, long lost,
               List<String> lostSamples, long storedTwice, List<String> storedTwiceSamples,
               long storedNotAcknowledged, Map<String, Integer> faultsByKind,
               Map<String, ReconnectStats> reconnectByKind, List<SubscriberReport> subscribers,
               List<FaultReport> timeline) {

    static final long LEAD_MILLIS = 1_000;
    static final long GRACE_MILLIS = 5_000;

    /** Device outages (connection lost → CONNACK again) attributed to one fault kind. */
    record ReconnectStats(long outages, long p50Millis, long p99Millis, long maxMillis, long notBack) {
    }

    /** What one subscriber missed, per fault kind. */
    record SubscriberReport(String id, String via, long receivedUnique, long duplicates,
                            Map<String, SubscriberGap> byKind) {
    }

    /**
     * Acknowledged readings this subscriber never received whose acknowledgement fell in a fault of this kind,
     * and in how many of those faults the subscriber itself was disconnected (its replica or ingress was hit).
     */
    record SubscriberGap(long missed, int faults, int faultsDisconnected) {
    }

    /** One line of the timeline. */
    record FaultReport(int number, double atSeconds, String kind, String target, long killedPid, long newPid,
                       long backAfterMillis, long devicesCutOff, long reconnectMaxMillis,
                       Map<String, Long> subscriberMissed, String note) {
    }

    static Verdict compute(long drillStartMillis, long faultPhaseSeconds, int devices, long published,
                           List<Fault> faults, AckLedger ledger, Map<String, BitSet> acknowledged,
                           List<DrillSubscriber> subscribers, StoredReadings db, List<FaultKind> requested,
                           long nowMillis) {
        // guarantee 1: acknowledged ⇒ stored, exactly once
        long acked = 0;
        long lost = 0;
        List<String> lostSamples = new ArrayList<>();
        for (Map.Entry<String, BitSet> e : acknowledged.entrySet()) {
            BitSet a = e.getValue();
            acked += a.cardinality();
            for (int seq = a.nextSetBit(1); seq >= 0; seq = a.nextSetBit(seq + 1)) {
                if (!db.contains(e.getKey(), seq)) {
                    lost++;
                    if (lostSamples.size() < 20) {
                        lostSamples.add(e.getKey() + "#" + seq + " acknowledged at +"
                                + (ledger.ackMillis(e.getKey(), seq) - drillStartMillis) + " ms");
                    }
                }
            }
        }
        long storedNotAcked = 0;
        for (Map.Entry<String, BitSet> e : db.stored().entrySet()) {
            BitSet s = (BitSet) e.getValue().clone();
            BitSet a = acknowledged.get(e.getKey());
            if (a != null) {
                s.andNot(a);
            }
            storedNotAcked += s.cardinality();
        }

        // device reconnect times, per fault kind
        Map<String, List<Long>> reconnect = new LinkedHashMap<>();
        Map<String, Long> notBack = new LinkedHashMap<>();
        long[] cutOff = new long[faults.size()];
        long[] reconnectMax = new long[faults.size()];
        for (AckLedger.Outage o : ledger.outages(nowMillis)) {
            int f = faultAt(faults, o.lostAtMillis());
            String kind = f < 0 ? "none" : faults.get(f).kind().label;
            if (f >= 0) {
                cutOff[f]++;
                reconnectMax[f] = Math.max(reconnectMax[f], o.reconnectMillis());
            }
            if (o.reconnectMillis() < 0) {
                notBack.merge(kind, 1L, Long::sum);
            } else {
                reconnect.computeIfAbsent(kind, k -> new ArrayList<>()).add(o.reconnectMillis());
            }
        }
        Map<String, ReconnectStats> reconnectByKind = new LinkedHashMap<>();
        for (String kind : kindsInOrder(faults)) {
            reconnectByKind.put(kind, stats(reconnect.getOrDefault(kind, List.of()), notBack.getOrDefault(kind, 0L)));
        }
        if (reconnect.containsKey("none") || notBack.containsKey("none")) {
            reconnectByKind.put("none", stats(reconnect.getOrDefault("none", List.of()),
                    notBack.getOrDefault("none", 0L)));
        }

        // subscriber gaps: acknowledged readings a subscriber never received, by the fault at their ack time
        List<SubscriberReport> subscriberReports = new ArrayList<>();
        List<Map<String, Long>> missedPerFault = new ArrayList<>();
        for (int i = 0; i < faults.size(); i++) {
            missedPerFault.add(new LinkedHashMap<>());
        }
        for (DrillSubscriber s : subscribers) {
            long from = s.firstSubscribedMillis() < 0 ? Long.MAX_VALUE : s.firstSubscribedMillis() + 2_000;
            Map<String, Long> missedByKind = new LinkedHashMap<>();
            long[] missedByFault = new long[faults.size()];
            for (Map.Entry<String, BitSet> e : acknowledged.entrySet()) {
                BitSet a = e.getValue();
                for (int seq = a.nextSetBit(1); seq >= 0; seq = a.nextSetBit(seq + 1)) {
                    long at = ledger.ackMillis(e.getKey(), seq);
                    if (at < from || s.received(e.getKey(), seq)) {
                        continue;
                    }
                    int f = faultAt(faults, at);
                    missedByKind.merge(f < 0 ? "none" : faults.get(f).kind().label, 1L, Long::sum);
                    if (f >= 0) {
                        missedByFault[f]++;
                    }
                }
            }
            Map<String, SubscriberGap> byKind = new LinkedHashMap<>();
            List<DrillSubscriber.Gap> gaps = s.gaps();
            for (String kind : kindsInOrder(faults)) {
                int count = 0;
                int disconnected = 0;
                for (int i = 0; i < faults.size(); i++) {
                    Fault f = faults.get(i);
                    if (!f.kind().label.equals(kind)) {
                        continue;
                    }
                    count++;
                    if (disconnectedDuring(gaps, f)) {
                        disconnected++;
                    }
                }
                byKind.put(kind, new SubscriberGap(missedByKind.getOrDefault(kind, 0L), count, disconnected));
            }
            if (missedByKind.containsKey("none")) {
                byKind.put("none", new SubscriberGap(missedByKind.get("none"), 0, 0));
            }
            for (int i = 0; i < faults.size(); i++) {
                missedPerFault.get(i).put(s.id(), missedByFault[i]);
            }
            subscriberReports.add(new SubscriberReport(s.id(), s.via(), s.uniqueReceived(), s.duplicates(), byKind));
        }

        List<FaultReport> timeline = new ArrayList<>();
        Map<String, Integer> byKind = new LinkedHashMap<>();
        for (int i = 0; i < faults.size(); i++) {
            Fault f = faults.get(i);
            byKind.merge(f.kind().label, 1, Integer::sum);
            timeline.add(new FaultReport(f.number(), (f.startMillis() - drillStartMillis) / 1000.0, f.kind().label,
                    f.target(), f.killedPid(), f.newPid(), f.downMillis(), cutOff[i], reconnectMax[i],
                    missedPerFault.get(i), f.note()));
        }

        List<String> failures = new ArrayList<>();
        if (!db.readable()) {
            failures.add("the database could not be read: lost and stored twice are unknown");
            lost = -1;
            storedNotAcked = -1;
            lostSamples.clear();
        }
        if (lost > 0) {
            failures.add(lost + " acknowledged reading(s) are not in the database (guarantee 1 broken)");
        }
        if (db.storedTwice() > 0) {
            failures.add(db.storedTwice() + " reading(s) are stored more than once");
        }
        if (acked == 0) {
            failures.add("no reading was acknowledged: the drill proves nothing");
        }
        for (FaultKind k : requested) {
            if (!byKind.containsKey(k.label)) {
                failures.add("no " + k.label + " fault was injected");
            }
        }
        return new Verdict(failures.isEmpty(), failures, faultPhaseSeconds, devices, subscribers.size(), published,
                acked, db.unique(), db.documents(), lost, lostSamples, db.storedTwice(), db.storedTwiceSamples(),
                storedNotAcked, byKind, reconnectByKind, subscriberReports, timeline);
    }

    /** The latest fault whose window contains {@code t}, or -1. */
    static int faultAt(List<Fault> faults, long t) {
        for (int i = faults.size() - 1; i >= 0; i--) {
            Fault f = faults.get(i);
            if (t >= f.startMillis() - LEAD_MILLIS && t <= f.endMillis() + GRACE_MILLIS) {
                return i;
            }
        }
        return -1;
    }

    private static boolean disconnectedDuring(List<DrillSubscriber.Gap> gaps, Fault f) {
        long to = f.endMillis() + GRACE_MILLIS;
        for (DrillSubscriber.Gap g : gaps) {
            long gapEnd = g.toMillis() < 0 ? Long.MAX_VALUE : g.toMillis();
            if (g.fromMillis() <= to && gapEnd >= f.startMillis()) {
                return true;
            }
        }
        return false;
    }

    private static List<String> kindsInOrder(List<Fault> faults) {
        List<String> kinds = new ArrayList<>();
        for (FaultKind k : FaultKind.values()) {
            if (faults.stream().anyMatch(f -> f.kind() == k)) {
                kinds.add(k.label);
            }
        }
        return kinds;
    }

    static ReconnectStats stats(List<Long> millis, long notBack) {
        if (millis.isEmpty()) {
            return new ReconnectStats(0, 0, 0, 0, notBack);
        }
        long[] sorted = millis.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(sorted);
        return new ReconnectStats(sorted.length, percentile(sorted, 0.50), percentile(sorted, 0.99),
                sorted[sorted.length - 1], notBack);
    }

    /** Nearest-rank percentile of sorted values. */
    static long percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** The verdict as tables for people. */
    String text() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "fault drill verdict: %s%n", passed ? "PASSED" : "FAILED"));
        failures.forEach(f -> b.append("  FAILED: ").append(f).append('\n'));
        b.append(String.format(Locale.ROOT, "  %d devices, %d subscribers on '#', %d s of faults: %s%n", devices,
                subscribersCount, faultPhaseSeconds, faultsByKind));
        b.append(String.format(Locale.ROOT, "  readings published %d, acknowledged %d, stored %d (documents %d)%n",
                published, acknowledged, stored, storedDocuments));
        b.append(String.format(Locale.ROOT, "  lost (acknowledged, not stored) %d | stored twice %d"
                + " | stored but never acknowledged %d (allowed: the ack was lost with the connection)%n",
                lost, storedTwice, storedNotAcknowledged));
        lostSamples.forEach(s -> b.append("    lost: ").append(s).append('\n'));
        storedTwiceSamples.forEach(s -> b.append("    stored twice: ").append(s).append('\n'));

        b.append("\ndevice reconnect time after each fault kind (connection lost -> CONNACK again)\n");
        List<String[]> reconnectRows = new ArrayList<>();
        reconnectRows.add(new String[] {"KIND", "FAULTS", "OUTAGES", "P50 ms", "P99 ms", "MAX ms", "NOT BACK"});
        reconnectByKind.forEach((kind, r) -> reconnectRows.add(new String[] {kind,
                String.valueOf(faultsByKind.getOrDefault(kind, 0)), String.valueOf(r.outages()),
                String.valueOf(r.p50Millis()), String.valueOf(r.p99Millis()), String.valueOf(r.maxMillis()),
                String.valueOf(r.notBack())}));
        table(b, reconnectRows);

        b.append("\nsubscriber gaps: acknowledged readings a subscriber on '#' never received, by the fault at"
                + " their acknowledgement\n");
        List<String[]> gapRows = new ArrayList<>();
        gapRows.add(new String[] {"SUBSCRIBER", "VIA", "KIND", "FAULTS", "IT WAS CUT OFF IN", "MISSED"});
        for (SubscriberReport s : subscribers) {
            s.byKind().forEach((kind, g) -> gapRows.add(new String[] {s.id(), s.via(), kind,
                    String.valueOf(g.faults()), String.valueOf(g.faultsDisconnected()), String.valueOf(g.missed())}));
        }
        table(b, gapRows);

        b.append("\ntimeline\n");
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"#", "AT s", "KIND", "TARGET", "PID -> NEW", "BACK AFTER ms", "DEVICES CUT OFF",
                "RECONNECT MAX ms", "SUBSCRIBERS MISSED", "NOTE"});
        for (FaultReport f : timeline) {
            rows.add(new String[] {String.valueOf(f.number()), String.format(Locale.ROOT, "%.1f", f.atSeconds()),
                    f.kind(), f.target(), f.killedPid() > 0 ? f.killedPid() + " -> " + f.newPid() : "-",
                    f.backAfterMillis() < 0 ? "not in time" : String.valueOf(f.backAfterMillis()),
                    String.valueOf(f.devicesCutOff()), String.valueOf(f.reconnectMaxMillis()),
                    f.subscriberMissed().toString(), f.note() == null ? "" : f.note()});
        }
        table(b, rows);
        return b.toString();
    }

    private static void table(StringBuilder b, List<String[]> rows) {
        int[] widths = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            b.append("  ");
            for (int i = 0; i < row.length; i++) {
                b.append(i == row.length - 1 ? row[i] : String.format("%-" + (widths[i] + 2) + "s", row[i]));
            }
            b.append('\n');
        }
    }
}

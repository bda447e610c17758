package io.colmeia.emulator.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The result of a benchmark: every measured run, per-target medians, and for each further target its ratio to
 * the first one per round (A/B pairs from the same round) with the median of those ratios. Written as JSON
 * and printed as a table.
 */
public record BenchReport(
        String scenario,
        String startedAt,
        Map<String, Object> machine,
        Map<String, Object> settings,
        List<RunResult> warmups,
        List<RunResult> runs,
        Map<String, Map<String, Double>> medians,
        List<Ratio> ratios) {

    /** Metrics compared across targets, and how to read them from a run. */
    static final Map<String, ToDoubleFunction<RunResult>> METRICS = metrics();

    /** {@code a}/{@code b} for one metric: per round and the median. */
    public record Ratio(String a, String b, String metric, List<Double> perRound, Double median) {
    }

    private static Map<String, ToDoubleFunction<RunResult>> metrics() {
        Map<String, ToDoubleFunction<RunResult>> m = new LinkedHashMap<>();
        m.put("deliveredPerSecond", RunResult::deliveredPerSecond);
        m.put("sentPerSecond", RunResult::sentPerSecond);
        m.put("ackedPerSecond", RunResult::ackedPerSecond);
        m.put("endToEndP50Ms", r -> r.endToEndLatency().p50Ms());
        m.put("endToEndP99Ms", r -> r.endToEndLatency().p99Ms());
        m.put("ackP99Ms", r -> r.ackLatency().p99Ms());
        m.put("connectionsPerSecond", RunResult::connectionsPerSecond);
        m.put("lost", r -> r.lost());
        m.put("duplicates", r -> r.duplicates());
        m.put("emulatorCpuCores", RunResult::emulatorCpuCores);
        m.put("targetCpuCores", RunResult::targetCpuCores);
        m.put("targetRssBytes", r -> r.targetRssBytes());
        return m;
    }

    public static BenchReport of(String scenario, Instant startedAt, Map<String, Object> settings,
                                 List<String> targets, List<RunResult> warmups, List<RunResult> runs) {
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        machine.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        machine.put("emulatorMaxHeapBytes", Runtime.getRuntime().maxMemory());
        Map<String, Map<String, Double>> medians = new LinkedHashMap<>();
        for (String t : targets) {
            Map<String, Double> perMetric = new LinkedHashMap<>();
            METRICS.forEach((name, f) -> perMetric.put(name, median(runs.stream()
                    .filter(r -> r.target().equals(t)).mapToDouble(f).boxed().toList())));
            medians.put(t, perMetric);
        }
        List<Ratio> ratios = new ArrayList<>();
        if (!targets.isEmpty()) {
            String a = targets.get(0);
            for (String b : targets.subList(1, targets.size())) {
                List<String> compared = scenario.equals("connections")
                        ? List.of("connectionsPerSecond", "targetRssBytes")
                        : List.of("deliveredPerSecond", "sentPerSecond", "endToEndP50Ms", "endToEndP99Ms");
                for (String metric : compared) {
                    ToDoubleFunction<RunResult> f = METRICS.get(metric);
                    List<Double> perRound = new ArrayList<>();
                    for (RunResult ra : runs) {
                        if (!ra.target().equals(a)) {
                            continue;
                        }
                        runs.stream().filter(rb -> rb.target().equals(b) && rb.round() == ra.round()).findFirst()
                                .ifPresent(rb -> perRound.add(ratio(f.applyAsDouble(ra), f.applyAsDouble(rb))));
                    }
                    ratios.add(new Ratio(a, b, metric, perRound, median(perRound)));
                }
            }
        }
        return new BenchReport(scenario, startedAt.toString(), machine, settings, warmups, runs, medians, ratios);
    }

    /** a/b; null (no ratio) when only b is zero. */
    static Double ratio(double a, double b) {
        if (b == 0) {
            return a == 0 ? 1.0 : null;
        }
        return a / b;
    }

    /** The median, ignoring missing values; null when there is none. */
    static Double median(List<Double> values) {
        List<Double> sorted = values.stream().filter(v -> v != null && !v.isNaN()).sorted().toList();
        if (sorted.isEmpty()) {
            return null;
        }
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static String fmt(Double v, int decimals) {
        return v == null ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    public void write(Path file) throws IOException {
        Path abs = file.toAbsolutePath();
        if (abs.getParent() != null) {
            Files.createDirectories(abs.getParent());
        }
        ObjectMapper mapper = new ObjectMapper().findAndRegisterModules()
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .enable(SerializationFeature.INDENT_OUTPUT);
        Files.writeString(abs, mapper.writeValueAsString(this) + "\n");
    }

    /** The human table: one line per run, then medians and ratios. */
    public void print(PrintStream out) {
        out.printf(Locale.ROOT, "%n%-12s %5s %9s %9s %9s %7s %5s %5s %10s %10s %10s %8s %8s %8s %8s %6s %6s%n",
                "target", "round", "sent", "acked", "received", "lost", "dup", "ooo", "sent/s", "deliver/s",
                "conn/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "cpu", "t.cpu");
        for (RunResult r : runs) {
            out.printf(Locale.ROOT, "%-12s %5d %9d %9d %9d %7d %5d %5d %10.0f %10.0f %10.0f %8.2f %8.2f %8.2f %8.2f"
                            + " %6.2f %6s%s%n",
                    r.target(), r.round(), r.sent(), r.acked(), r.received(), r.lost(), r.duplicates(),
                    r.outOfOrder(), r.sentPerSecond(), r.deliveredPerSecond(), r.connectionsPerSecond(),
                    r.endToEndLatency().p50Ms(), r.endToEndLatency().p95Ms(), r.endToEndLatency().p99Ms(),
                    r.endToEndLatency().maxMs(), r.emulatorCpuCores(),
                    r.targetCpuCores() < 0 ? "-" : String.format(Locale.ROOT, "%.2f", r.targetCpuCores()),
                    r.problem() == null ? "" : "  ! " + r.problem());
        }
        out.println();
        medians.forEach((t, m) -> out.printf(Locale.ROOT,
                "median %-12s delivered %s msg/s, sent %s msg/s, e2e p50 %s ms p99 %s ms, ack p99 %s ms,"
                        + " connections %s/s, emulator cpu %s cores%n",
                t, fmt(m.get("deliveredPerSecond"), 0), fmt(m.get("sentPerSecond"), 0),
                fmt(m.get("endToEndP50Ms"), 2), fmt(m.get("endToEndP99Ms"), 2), fmt(m.get("ackP99Ms"), 2),
                fmt(m.get("connectionsPerSecond"), 0), fmt(m.get("emulatorCpuCores"), 2)));
        for (Ratio r : ratios) {
            out.printf(Locale.ROOT, "ratio %s/%s %-20s median %s  per round %s%n", r.a(), r.b(), r.metric(),
                    fmt(r.median(), 3), r.perRound().stream().map(v -> fmt(v, 3)).toList());
        }
        int cores = Runtime.getRuntime().availableProcessors();
        runs.stream().filter(r -> r.emulatorCpuCores() > 0.9 * cores / 2).findFirst().ifPresent(r -> out.printf(
                Locale.ROOT, "note: the emulator used %.2f of %d cores in some runs: it competes with the target,"
                        + " so throughput figures are lower bounds%n", r.emulatorCpuCores(), cores));
        out.flush();
    }
}

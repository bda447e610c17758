package io.colmeia.emulator.bench;

import io.colmeia.common.config.CommonOptions;
import io.colmeia.common.config.Converters;
import io.colmeia.common.config.InvalidConfigurationException;
import io.colmeia.common.logging.Logging;
import io.colmeia.emulator.ConnectionBudget;
import io.colmeia.emulator.report.BenchReport;
import io.colmeia.emulator.report.RunResult;
import io.colmeia.emulator.subscriber.TopicFilter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;

/** {@code colmeia bench}: one bounded scenario against one or more targets, alternating, with a JSON report. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Benchmark MQTT brokers with the device emulator: a warm-up per target (not counted), then"
                + " --rounds measured runs alternating the targets (A B, B A, A B ...). Prints sent, acknowledged,"
                + " received, lost, duplicated, msg/s, latency p50/p95/p99/max, the emulator's own CPU and,"
                + " with --target-pid, the target's CPU and memory; then the ratio of the first target to each"
                + " other one per round and their median. Writes everything to --report as JSON.",
                "Scenarios: throughput (few publishers as fast as allowed, or at --rate), fan-in (many devices at"
                        + " --interval), fan-out (few publishers, --subscribers subscribers each receiving"
                        + " everything), connections (idle devices: connection rate, memory per connection)."})
public final class BenchCommand implements Callable<Integer> {

    @Parameters(index = "0", defaultValue = "throughput", paramLabel = "SCENARIO",
            description = "throughput, fan-in, fan-out or connections (default: ${DEFAULT-VALUE}).")
    String scenario;

    @Option(names = "--target", defaultValue = "colmeia=127.0.0.1:1883", paramLabel = "NAME=HOST:PORT[/SUBHOST:PORT]",
            split = ",", converter = TargetConverter.class,
            description = "Broker(s) to measure, repeatable or comma-separated; ratios are first/other. After '/',"
                    + " the endpoint the subscribers use instead (e.g. another replica of the same cluster:"
                    + " cross=127.0.0.1:1883/127.0.0.2:1883) (default: ${DEFAULT-VALUE}).")
    List<BenchTarget> targets;

    @Option(names = "--target-pid", paramLabel = "NAME=PID", split = ",",
            description = "Process id of a local target, to report its CPU and memory (default: not set).")
    Map<String, Long> targetPids = new LinkedHashMap<>();

    @Option(names = "--rounds", defaultValue = "3", paramLabel = "N",
            description = "Measured runs per target, alternating targets, the first one moving by one each round"
                    + " (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--warmup", defaultValue = "5s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "Publishing time of the uncounted warm-up run per target; 0s = none"
                    + " (default: ${DEFAULT-VALUE}).")
    Duration warmup;

    @Option(names = "--duration", defaultValue = "10s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "Publishing (or, for connections, holding) time of each measured run"
                    + " (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--max-messages", defaultValue = "1000000", paramLabel = "N",
            description = "Messages per run at most (spread evenly over the publishers); a run ends at"
                    + " --duration or this count, whichever comes first (default: ${DEFAULT-VALUE}).")
    long maxMessages;

    @Option(names = "--drain", defaultValue = "10s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "After publishing stops, time allowed for outstanding acks and deliveries"
                    + " (default: ${DEFAULT-VALUE}).")
    Duration drain;

    @Option(names = "--publishers", defaultValue = "4", paramLabel = "N",
            description = "Publishers of the throughput and fan-out scenarios (default: ${DEFAULT-VALUE}).")
    int publishers;

    @Option(names = "--rate", defaultValue = "0", paramLabel = "MSG_PER_S",
            description = "Throughput and fan-out: total publish rate to aim at; 0 = as fast as the in-flight window"
                    + " (QoS 1/2) or the socket (QoS 0) allows (default: ${DEFAULT-VALUE}).")
    long rate;

    @Option(names = "--devices", defaultValue = "1000", paramLabel = "N",
            description = "Devices of the fan-in and connections scenarios (default: ${DEFAULT-VALUE}).")
    int devices;

    @Option(names = "--interval", defaultValue = "1s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "Fan-in scenario: time between readings of one device (default: ${DEFAULT-VALUE}).")
    Duration interval;

    @Option(names = "--qos", defaultValue = "1", paramLabel = "0|1|2",
            description = "QoS of the published messages (default: ${DEFAULT-VALUE}).")
    int qos;

    @Option(names = "--subscribers", defaultValue = "1", paramLabel = "M",
            description = "Subscribers counting and timing deliveries (default: ${DEFAULT-VALUE}).")
    int subscribers;

    @Option(names = "--filter", defaultValue = "+/+/temperatura", paramLabel = "FILTER",
            description = "Topic filter of the subscribers (default: ${DEFAULT-VALUE}).")
    String filter;

    @Option(names = "--sub-qos", defaultValue = "1", paramLabel = "0|1|2",
            description = "QoS the subscribers ask for (default: ${DEFAULT-VALUE}).")
    int subQos;

    @Option(names = "--max-inflight", defaultValue = "100", paramLabel = "N",
            description = "Unacknowledged QoS 1/2 messages per publisher (default: ${DEFAULT-VALUE}).")
    int maxInFlight;

    @Option(names = "--tcp-nodelay", negatable = true, defaultValue = "true", fallbackValue = "true",
            paramLabel = "true|false",
            description = "Disable Nagle on every client; --no-tcp-nodelay behaves like MQTT.js / Node-RED"
                    + " (default: ${DEFAULT-VALUE}).")
    boolean tcpNoDelay;

    @Option(names = "--threads", defaultValue = "2", paramLabel = "N",
            description = "Event-loop threads of the emulator (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--ramp-rate", defaultValue = "1000", paramLabel = "N",
            description = "Connections started per second (default: ${DEFAULT-VALUE}).")
    int rampRate;

    @Option(names = "--report", defaultValue = "bench-report.json", paramLabel = "FILE",
            description = "Where to write the JSON report (default: ${DEFAULT-VALUE}).")
    Path report;

    @Mixin
    CommonOptions common = new CommonOptions();

    /** Parses NAME=HOST:PORT for picocli, with the reason in the message. */
    public static final class TargetConverter implements ITypeConverter<BenchTarget> {
        @Override
        public BenchTarget convert(String value) {
            try {
                return BenchTarget.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    @Override
    public Integer call() throws Exception {
        Logging.configure("bench", common.logLevel);
        BenchSettings settings = settings();
        List<BenchTarget> resolvedTargets = targetsWithPids();
        BenchRunner runner = new BenchRunner(settings);
        Instant startedAt = Instant.now();
        System.out.printf(Locale.ROOT, "bench %s: %d %s, QoS %d, %d subscriber(s) on '%s', warm-up %s, %d round(s)"
                        + " of %s (at most %d messages), targets %s%n",
                settings.scenario().label(), settings.clients(),
                settings.scenario().byPublishers() ? "publishers" : "devices", qos, subscribers, filter,
                Converters.formatDuration(warmup), rounds, Converters.formatDuration(duration), maxMessages,
                resolvedTargets.stream().map(t -> t.name() + "=" + t.describe()).toList());
        List<RunResult> warmups = new ArrayList<>();
        if (!warmup.isZero()) {
            for (BenchTarget t : resolvedTargets) {
                RunResult r = runner.run(t, 0, warmup);
                warmups.add(r);
                System.out.printf(Locale.ROOT, "warm-up %-12s sent %d, delivered %d, %.0f msg/s%s%n", t.name(),
                        r.sent(), r.received(), r.deliveredPerSecond(),
                        r.problem() == null ? "" : " ! " + r.problem());
            }
        }
        List<RunResult> runs = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            // the first target moves by one each round (A B C, B C A, ...): measured always first, a target met a
            // colder peer (a shared replica, this JVM) than the others and lost every round by that alone
            for (BenchTarget t : rotated(resolvedTargets, round - 1)) {
                RunResult r = runner.run(t, round, duration);
                runs.add(r);
                System.out.printf(Locale.ROOT, "round %d %-12s sent %d, acked %d, delivered %d, lost %d, dup %d,"
                                + " %.0f msg/s delivered, e2e %s, emulator cpu %.2f%s%n",
                        round, t.name(), r.sent(), r.acked(), r.received(), r.lost(), r.duplicates(),
                        r.deliveredPerSecond(), r.endToEndLatency().describe(), r.emulatorCpuCores(),
                        r.problem() == null ? "" : " ! " + r.problem());
            }
        }
        BenchReport result = BenchReport.of(settings.scenario().label(), startedAt, describe(settings),
                resolvedTargets.stream().map(BenchTarget::name).toList(), warmups, runs);
        result.print(System.out);
        result.write(report);
        System.out.println("report written to " + report.toAbsolutePath());
        return runs.stream().anyMatch(r -> r.problem() != null) ? 1 : 0;
    }

    static <T> List<T> rotated(List<T> targets, int by) {
        List<T> order = new ArrayList<>(targets);
        java.util.Collections.rotate(order, -(by % Math.max(1, targets.size())));
        return order;
    }

    BenchSettings settings() {
        Scenario s;
        try {
            s = Scenario.parse(scenario);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException("SCENARIO", e.getMessage());
        }
        int budget = ConnectionBudget.maxConnections();
        requireRange("--rounds", rounds, 1, 20);
        requireRange("--publishers", publishers, 1, 1000);
        requireRange("--devices", devices, 1, budget);
        requireRange("--subscribers", subscribers, 0, 100);
        requireRange("--qos", qos, 0, 2);
        requireRange("--sub-qos", subQos, 0, 2);
        requireRange("--max-inflight", maxInFlight, 1, 65_535);
        requireRange("--threads", threads, 1, 64);
        requireRange("--ramp-rate", rampRate, 1, 100_000);
        requireRange("--max-messages", maxMessages, 1, 1_000_000_000L);
        requireRange("--rate", rate, 0, 10_000_000);
        requireBetween("--warmup", warmup, Duration.ZERO, Duration.ofMinutes(10));
        requireBetween("--duration", duration, Duration.ofSeconds(1), Duration.ofHours(1));
        requireBetween("--drain", drain, Duration.ofSeconds(1), Duration.ofMinutes(10));
        requireBetween("--interval", interval, Duration.ofMillis(1), Duration.ofHours(1));
        String filterProblem = TopicFilter.validate(filter);
        if (filterProblem != null) {
            throw new InvalidConfigurationException("--filter", "'" + filter + "' " + filterProblem);
        }
        if (targets == null || targets.isEmpty()) {
            throw new InvalidConfigurationException("--target", "at least one target is needed");
        }
        Set<String> names = new HashSet<>();
        for (BenchTarget t : targets) {
            if (!names.add(t.name())) {
                throw new InvalidConfigurationException("--target", "the name '" + t.name() + "' is used twice");
            }
        }
        for (String name : targetPids.keySet()) {
            if (!names.contains(name)) {
                throw new InvalidConfigurationException("--target-pid", "no --target is named '" + name + "'");
            }
        }
        int clients = s.byPublishers() ? publishers : devices;
        if ((long) clients + subscribers > budget) {
            throw new InvalidConfigurationException(s.byPublishers() ? "--publishers" : "--devices",
                    "clients + subscribers must be at most " + budget + " (open-file limit)");
        }
        Duration publishInterval;
        if (s == Scenario.FAN_OUT && subscribers < 2) {
            throw new InvalidConfigurationException("--subscribers", "fan-out needs at least 2 subscribers");
        }
        if (s.byPublishers()) {
            if (rate == 0 && qos == 0) {
                throw new InvalidConfigurationException("--rate", "QoS 0 has no acknowledgements to pace the"
                        + " publishers: set a --rate (e.g. 20000); an unpaced QoS 0 firehose only measures how"
                        + " fast the broker's heap fills");
            }
            publishInterval = rate == 0 ? Duration.ZERO : Duration.ofNanos(Math.max(1, 1_000_000_000L * publishers / rate));
        } else {
            publishInterval = interval;
        }
        return new BenchSettings(s, clients, publishInterval, qos, subscribers, filter, subQos, maxInFlight,
                tcpNoDelay, threads, rampRate, warmup, duration, maxMessages, drain, rounds);
    }

    private List<BenchTarget> targetsWithPids() {
        List<BenchTarget> list = new ArrayList<>();
        for (BenchTarget t : targets) {
            Long pid = targetPids.get(t.name());
            list.add(pid == null ? t : t.withPid(pid));
        }
        return list;
    }

    private Map<String, Object> describe(BenchSettings s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scenario", s.scenario().label());
        m.put("clients", s.clients());
        m.put("publishIntervalMicros", s.interval().toNanos() / 1000);
        m.put("rate", rate);
        m.put("qos", s.qos());
        m.put("subscribers", s.subscribers());
        m.put("filter", s.filter());
        m.put("subscriberQos", s.subscriberQos());
        m.put("maxInFlight", s.maxInFlight());
        m.put("tcpNoDelay", s.tcpNoDelay());
        m.put("threads", s.threads());
        m.put("rampRate", s.rampRate());
        m.put("warmupSeconds", s.warmup().toMillis() / 1000.0);
        m.put("durationSeconds", s.duration().toMillis() / 1000.0);
        m.put("maxMessages", s.maxMessages());
        m.put("drainSeconds", s.drain().toMillis() / 1000.0);
        m.put("rounds", s.rounds());
        m.put("payload", "ESP8266 seed JSON + seq + sentAtUs (~150 bytes)");
        return m;
    }

    private static void requireRange(String option, long value, long min, long max) {
        if (value < min || value > max) {
            throw new InvalidConfigurationException(option, "must be " + min + ".." + max + ", got " + value);
        }
    }

    private static void requireBetween(String option, Duration value, Duration min, Duration max) {
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new InvalidConfigurationException(option, "must be between " + Converters.formatDuration(min)
                    + " and " + Converters.formatDuration(max) + ", got " + Converters.formatDuration(value));
        }
    }
}

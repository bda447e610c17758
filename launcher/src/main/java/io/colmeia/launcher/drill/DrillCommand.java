package io.colmeia.launcher.drill;

import io.colmeia.common.config.Converters;
import io.colmeia.common.config.InvalidConfigurationException;
import io.colmeia.emulator.device.DeviceIdentity;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code colmeia drill}: proves guarantees 1 and 2 (ARCHITECTURE.md §2) with numbers. Starts a supervised local
 * cluster, a fleet publishing QoS 1 through DNS + ingress and subscribers on {@code #}, kills processes and cuts a
 * cluster link while they run, then compares what the devices saw acknowledged with what the database holds.
 */
@Command(name = "drill", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fault drill: start a supervised local cluster (3 broker replicas, 2 ingress nodes, DNS, store),"
                        + " an emulated fleet publishing QoS 1 through DNS + ingress and one subscriber on '#' per"
                        + " ingress node; for --duration, repeatedly SIGKILL one random process (broker replica,"
                        + " ingress node, DNS server, store) or cut the cluster link between broker-1 and broker-2,"
                        + " let supervision bring it back, continue.",
                "Then prints the verdict (acknowledged, stored, lost, stored twice, reconnect times and subscriber"
                        + " gaps per fault kind, the timeline) and writes it as JSON.",
                "Exit code 0 only if no acknowledged reading is lost or stored twice and every requested fault"
                        + " kind happened; 1 otherwise."})
public final class DrillCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--dir", defaultValue = ".colmeia-drill", paramLabel = "DIR",
            description = "Directory of the drill's cluster (run/, logs/, data/; wiped at start) and its report"
                    + " (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--duration", defaultValue = "60s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "How long to inject faults; extended until every --faults kind happened once"
                    + " (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--faults", defaultValue = "broker,ingress,dns,store,link", split = ",", paramLabel = "KIND",
            description = "Fault kinds to inject, any of broker, ingress, dns, store, link (default: ${DEFAULT-VALUE}).")
    List<String> faults;

    @Option(names = "--devices", defaultValue = "500", paramLabel = "N",
            description = "Emulated devices publishing QoS 1 (default: ${DEFAULT-VALUE}).")
    int devices;

    @Option(names = "--interval", defaultValue = "1s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "Time between two readings of one device (default: ${DEFAULT-VALUE}).")
    Duration interval;

    @Option(names = "--pause", defaultValue = "5s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "Quiet time after a fault's target is back before the next fault (default: ${DEFAULT-VALUE}).")
    Duration pause;

    @Option(names = "--max-wait", defaultValue = "60s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "Longest wait for a killed process to be ready again before moving on"
                    + " (default: ${DEFAULT-VALUE}).")
    Duration maxWait;

    @Option(names = "--cut", defaultValue = "5s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "How long a cluster link stays cut (default: ${DEFAULT-VALUE}).")
    Duration cut;

    @Option(names = "--settle", defaultValue = "5s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "Publishing time before the first fault and after the last (default: ${DEFAULT-VALUE}).")
    Duration settle;

    @Option(names = "--drain", defaultValue = "90s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "At the end, longest wait for unacknowledged readings to be acknowledged, and then for"
                    + " every acknowledged reading to reach the database (spools replayed) (default: ${DEFAULT-VALUE}).")
    Duration drain;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N",
            description = "Seed of the fault order and targets (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--mqtt-port", defaultValue = "11883", paramLabel = "PORT",
            description = "MQTT port of the replicas and ingress nodes (default: ${DEFAULT-VALUE}).")
    int mqttPort;

    @Option(names = "--http-port", defaultValue = "19100", paramLabel = "PORT",
            description = "Port of every process's /metrics, /health, /ready (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--cluster-port", defaultValue = "17946", paramLabel = "PORT",
            description = "Cluster link port of the replicas, and of the link-cutting proxy on 127.0.5.1"
                    + " (default: ${DEFAULT-VALUE}).")
    int clusterPort;

    @Option(names = "--dns-port", defaultValue = "15353", paramLabel = "PORT",
            description = "Port of the DNS server (default: ${DEFAULT-VALUE}).")
    int dnsPort;

    @Option(names = "--store-port", defaultValue = "17017", paramLabel = "PORT",
            description = "Port of the embedded store (default: ${DEFAULT-VALUE}).")
    int storePort;

    @Option(names = "--heap", defaultValue = "384m", paramLabel = "SIZE",
            description = "Maximum Java heap of each cluster process but the ingress nodes (they run with"
                    + " -Xms64m -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1) (default: ${DEFAULT-VALUE}).")
    String heap;

    @Option(names = "--ready-timeout", defaultValue = "180s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "How long the cluster may take to start (default: ${DEFAULT-VALUE}).")
    Duration readyTimeout;

    @Option(names = "--report", paramLabel = "FILE",
            description = "Where to write the JSON verdict (default: DIR/drill-report.json).")
    Path report;

    @Override
    public Integer call() throws Exception {
        List<FaultKind> kinds = validate();
        Drill.Settings settings = new Drill.Settings(dir.toAbsolutePath().normalize(), duration, kinds, devices,
                interval, pause, maxWait, cut, settle, drain, seed, mqttPort, httpPort, clusterPort, dnsPort,
                storePort, heap, readyTimeout,
                report == null ? dir.toAbsolutePath().normalize().resolve("drill-report.json") : report,
                "colmeia drill " + String.join(" ", spec.commandLine().getParseResult().originalArgs()));
        return new Drill(settings, spec.commandLine().getOut()).run();
    }

    private List<FaultKind> validate() {
        positive("--duration", duration);
        positive("--interval", interval);
        positive("--max-wait", maxWait);
        positive("--cut", cut);
        positive("--drain", drain);
        notNegative("--pause", pause);
        notNegative("--settle", settle);
        positive("--ready-timeout", readyTimeout);
        if (devices < 1 || devices > 10_000) {
            throw new InvalidConfigurationException("--devices", "must be between 1 and 10000, got " + devices);
        }
        int[] ports = {mqttPort, httpPort, clusterPort, dnsPort, storePort};
        String[] names = {"--mqtt-port", "--http-port", "--cluster-port", "--dns-port", "--store-port"};
        for (int i = 0; i < ports.length; i++) {
            if (ports[i] < 1 || ports[i] > 65535) {
                throw new InvalidConfigurationException(names[i], "port " + ports[i] + " is outside 1..65535");
            }
            for (int j = 0; j < i; j++) {
                if (ports[i] == ports[j]) {
                    throw new InvalidConfigurationException(names[i], "is the same as " + names[j]);
                }
            }
        }
        if (!heap.matches("[1-9][0-9]*[kKmMgG]?")) {
            throw new InvalidConfigurationException("--heap", "'" + heap + "' is not a size like 384m or 1g");
        }
        LinkedHashSet<FaultKind> kinds = new LinkedHashSet<>();
        for (String f : faults) {
            try {
                kinds.add(FaultKind.parse(f));
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigurationException("--faults", e.getMessage());
            }
        }
        if (kinds.isEmpty()) {
            throw new InvalidConfigurationException("--faults", "names no fault kind");
        }
        if (!DeviceIdentity.isValidMacPrefix(Drill.MAC_PREFIX)) {
            throw new IllegalStateException("the drill's MAC prefix is invalid: " + Drill.MAC_PREFIX);
        }
        return new ArrayList<>(kinds);
    }

    private static void positive(String option, Duration d) {
        if (d.isZero() || d.isNegative()) {
            throw new InvalidConfigurationException(option, "must be positive");
        }
    }

    private static void notNegative(String option, Duration d) {
        if (d.isNegative()) {
            throw new InvalidConfigurationException(option, "must not be negative");
        }
    }
}

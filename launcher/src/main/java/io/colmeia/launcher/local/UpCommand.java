package io.colmeia.launcher.local;

import io.colmeia.common.config.Converters;
import io.colmeia.common.config.HostPort;
import io.colmeia.broker.BrokerConfig;
import io.colmeia.common.config.InvalidConfigurationException;
import io.colmeia.launcher.local.ClusterPlan.Planned;
import io.colmeia.launcher.observability.ObservabilityOptions;
import io.colmeia.launcher.tls.LocalTls;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.ArrayList;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code colmeia up}: starts a local cluster as separate processes on loopback addresses. */
@Command(name = "up", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Start a local cluster on loopback: broker replicas on 127.0.1.N, ingress nodes on"
                        + " 127.0.2.N in front of them, the DNS server on 127.0.3.1.",
                "Waits until every process is ready, prints where everything is, then stays in the foreground"
                        + " until Ctrl-C (stopping everything) or, with --detach, returns."})
public final class UpCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    LocalClusterOptions cluster = new LocalClusterOptions();

    @Mixin
    ObservabilityOptions observability = new ObservabilityOptions();

    @Option(names = "--detach", description = "Return once the cluster is ready; stop it with 'colmeia down'.")
    boolean detach;

    @Option(names = "--brokers", defaultValue = "3", paramLabel = "N",
            description = "Number of broker replicas, 1-9 (default: ${DEFAULT-VALUE}).")
    int brokers;

    @Option(names = "--broker-mqtt-port", defaultValue = "1883", paramLabel = "PORT",
            description = "MQTT port of every broker replica, each on its own address (default: ${DEFAULT-VALUE}).")
    int brokerMqttPort;

    @Option(names = "--cluster-port", defaultValue = "7946", paramLabel = "PORT",
            description = "Port of the cluster link between broker replicas (default: ${DEFAULT-VALUE}).")
    int clusterPort;

    @Option(names = "--ingress", defaultValue = "2", paramLabel = "N",
            description = "Number of ingress nodes in front of the replicas, 0-9 (default: ${DEFAULT-VALUE}).")
    int ingressNodes;

    @Option(names = "--ingress-mqtt-port", defaultValue = "1883", paramLabel = "PORT",
            description = "MQTT port of every ingress node (default: ${DEFAULT-VALUE}).")
    int ingressMqttPort;

    @Option(names = "--dns", defaultValue = "true", negatable = true, fallbackValue = "true",
            description = "Run the DNS server answering mqtt.colmeia.internal with the ingress nodes"
                    + " (default: ${DEFAULT-VALUE}).")
    boolean dns;

    @Option(names = "--dns-port", defaultValue = "5353", paramLabel = "PORT",
            description = "UDP and TCP port of the DNS server (default: ${DEFAULT-VALUE}).")
    int dnsPort;

    @Option(names = "--store", defaultValue = "true", negatable = true, fallbackValue = "true",
            description = "Run the embedded MongoDB-compatible store on 127.0.4.1 (default: ${DEFAULT-VALUE}).")
    boolean store;

    @Option(names = "--store-port", defaultValue = "27017", paramLabel = "PORT",
            description = "Port of the embedded store (default: ${DEFAULT-VALUE}).")
    int storePort;

    @Option(names = "--tls-port", defaultValue = "8883", paramLabel = "PORT",
            description = "MQTT over TLS port of every broker and ingress node, with certificates of a local CA"
                    + " created in <dir>/tls on first start; 0: no TLS (default: ${DEFAULT-VALUE}).")
    int tlsPort;

    @Option(names = "--http-port", defaultValue = "9100", paramLabel = "PORT",
            description = "Port of /metrics, /health and /ready on every process's address (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--broker-persistence", defaultValue = "file", paramLabel = "MODE",
            description = "Broker session persistence: file or memory (default: ${DEFAULT-VALUE}).")
    BrokerConfig.PersistenceMode brokerPersistence;

    @Option(names = "--heap", defaultValue = "384m", paramLabel = "SIZE",
            description = "Maximum Java heap of each broker, store and DNS process, as for -Xmx; ingress nodes run"
                    + " with -Xms64m -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 (docs/ingress.md)"
                    + " (default: ${DEFAULT-VALUE}).")
    String heap;

    @Option(names = "--ready-timeout", defaultValue = "120s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "How long to wait for every process to become ready (default: ${DEFAULT-VALUE}).")
    Duration readyTimeout;

    @Option(names = "--stop-timeout", defaultValue = "30s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "On stop, time allowed per process after SIGTERM before SIGKILL (default: ${DEFAULT-VALUE}).")
    Duration stopTimeout;

    @Option(names = "--restart", defaultValue = "on-failure", paramLabel = "POLICY",
            converter = RestartModeConverter.class,
            description = "Restart policy of every process: on-failure (restart a process that exits with a non-zero"
                    + " code or is killed, with exponential backoff) or no (default: ${DEFAULT-VALUE}).")
    RestartPolicy.Mode restart;

    @Option(names = "--restart-delay", defaultValue = "1s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "Wait before the first restart of a failed process; doubles with each failure in a row"
                    + " (default: ${DEFAULT-VALUE}).")
    Duration restartDelay;

    @Option(names = "--restart-max-delay", defaultValue = "30s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "Cap of the restart delay (default: ${DEFAULT-VALUE}).")
    Duration restartMaxDelay;

    @Option(names = "--restart-window", defaultValue = "10s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "A process that ran this long before failing had recovered: its restart delay starts"
                    + " again from --restart-delay (default: ${DEFAULT-VALUE}).")
    Duration restartWindow;

    @Override
    public Integer call() throws Exception {
        validate();
        Path dir = cluster.dir();
        StatusOutput out = new StatusOutput(spec.commandLine().getOut());
        Files.createDirectories(dir.resolve("run"));
        try (FileChannel lockFile = FileChannel.open(dir.resolve("run").resolve("up.lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = lockFile.tryLock()) {
            if (lock == null) {
                throw new IllegalStateException("another 'colmeia up' is starting a cluster in " + dir);
            }
            refuseIfRunning(dir, out);
            observability.check();
            List<Planned> plan = new ArrayList<>(plan(dir));
            if (tlsPort != 0) {
                LocalTls.Material material = LocalTls.ensure(dir.resolve("tls"), tlsNames(plan));
                plan = new ArrayList<>(ClusterPlan.withTls(plan, tlsPort, List.of("--tls-keystore",
                        material.keyStore().toString(), "--tls-keystore-password", material.keyStorePassword()),
                        List.of("--tls-cert", material.serverCertificates().toString(), "--tls-key",
                                material.serverKey().toString())));
                this.tls = material;
            }
            requireFreeAddresses(plan);
            observability.plan(dir, plan, out::line).ifPresent(plan::add);
            return startAll(dir, List.copyOf(plan), out);
        }
    }

    private void validate() {
        if (brokers < 1 || brokers > 9) {
            throw new InvalidConfigurationException("--brokers", "must be between 1 and 9, got " + brokers);
        }
        if (ingressNodes < 0 || ingressNodes > 9) {
            throw new InvalidConfigurationException("--ingress", "must be between 0 and 9, got " + ingressNodes);
        }
        requirePort("--broker-mqtt-port", brokerMqttPort);
        requirePort("--ingress-mqtt-port", ingressMqttPort);
        requirePort("--dns-port", dnsPort);
        requirePort("--cluster-port", clusterPort);
        requirePort("--store-port", storePort);
        requirePort("--http-port", httpPort);
        if (clusterPort == brokerMqttPort) {
            throw new InvalidConfigurationException("--cluster-port", "is the same as --broker-mqtt-port");
        }
        if (tlsPort != 0) {
            requirePort("--tls-port", tlsPort);
            if (tlsPort == brokerMqttPort || tlsPort == ingressMqttPort || tlsPort == clusterPort) {
                throw new InvalidConfigurationException("--tls-port", "is the same as an MQTT or cluster port");
            }
        }
        for (int port : new int[] {brokerMqttPort, ingressMqttPort, dnsPort, clusterPort, storePort, tlsPort}) {
            if (port == httpPort) {
                throw new InvalidConfigurationException("--http-port", "is the same as an MQTT or DNS port ("
                        + port + ")");
            }
        }
        if (!heap.matches("[1-9][0-9]*[kKmMgG]?")) {
            throw new InvalidConfigurationException("--heap", "'" + heap + "' is not a size like 384m or 1g");
        }
        if (readyTimeout.isZero() || readyTimeout.isNegative()) {
            throw new InvalidConfigurationException("--ready-timeout", "must be positive");
        }
        if (restartDelay.isNegative()) {
            throw new InvalidConfigurationException("--restart-delay", "must not be negative");
        }
        if (restartMaxDelay.compareTo(restartDelay) < 0) {
            throw new InvalidConfigurationException("--restart-max-delay", "must be at least --restart-delay ("
                    + restartDelay.toMillis() + " ms)");
        }
        if (restartWindow.isNegative()) {
            throw new InvalidConfigurationException("--restart-window", "must not be negative");
        }
    }

    /** Parses on-failure / no. */
    static final class RestartModeConverter implements picocli.CommandLine.ITypeConverter<RestartPolicy.Mode> {
        @Override
        public RestartPolicy.Mode convert(String value) {
            return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "on-failure" -> RestartPolicy.Mode.ON_FAILURE;
                case "no" -> RestartPolicy.Mode.NO;
                default -> throw new picocli.CommandLine.TypeConversionException("'" + value
                        + "' is not a restart policy: use on-failure or no");
            };
        }
    }

    private static void requirePort(String option, int port) {
        if (port < 1 || port > 65535) {
            throw new InvalidConfigurationException(option, "port " + port + " is outside 1..65535");
        }
    }

    private static void refuseIfRunning(Path dir, StatusOutput out) {
        ClusterState.load(dir).ifPresent(state -> {
            List<ManagedProcess> alive = state.alive();
            if (!alive.isEmpty() || state.launcher().isPresent()) {
                throw new IllegalStateException("a local cluster is already running in " + dir + " ("
                        + alive.size() + " process(es), started " + state.startedAt()
                        + "); see 'colmeia status', or stop it with 'colmeia down'");
            }
            out.line("removing stale state of a cluster that no longer runs (" + ClusterState.file(dir) + ")");
            ClusterState.delete(dir);
        });
    }

    private LocalTls.Material tls;

    /** Every address a TLS client may dial, and the service name, for the local server certificate. */
    private static List<String> tlsNames(List<Planned> plan) {
        List<String> names = new ArrayList<>(List.of(ClusterState.SERVICE_NAME, "localhost"));
        plan.stream().filter(p -> p.role().equals("broker") || p.role().equals("ingress"))
                .forEach(p -> names.add(p.address().host()));
        return names;
    }

    List<Planned> plan(Path dir) {
        return ClusterPlan.plan(dir, new ClusterPlan.Shape(brokers, brokerMqttPort, clusterPort, ingressNodes,
                ingressMqttPort, dns, dnsPort, store, storePort, httpPort, brokerPersistence));
    }

    private static void requireFreeAddresses(List<Planned> plan) {
        for (Planned p : plan) {
            for (HostPort address : p.listens()) {
                try (ServerSocket socket = new ServerSocket()) {
                    socket.bind(address.toSocketAddress());
                } catch (IOException e) {
                    throw new IllegalStateException(p.id() + " cannot listen on " + address + " (" + e.getMessage()
                            + "): another process uses it, or this system has no such loopback address"
                            + " (Linux routes all of 127.0.0.0/8; macOS needs 'sudo ifconfig lo0 alias "
                            + address.host() + "')");
                }
            }
        }
    }

    private int startAll(Path dir, List<Planned> plan, StatusOutput out) throws InterruptedException {
        LaunchPlan launch = new LaunchPlan(plan, List.of("-Xmx" + heap),
                new RestartPolicy(restart, restartDelay, restartMaxDelay, restartWindow), readyTimeout, stopTimeout);
        if (detach) {
            return DetachedSupervisor.start(dir, launch, out, () -> printWhereEverythingIs(dir, plan, out));
        }
        Supervisor supervisor = new Supervisor(dir, launch, out);
        return supervisor.runUntilStopped(() -> {
            printWhereEverythingIs(dir, plan, out);
            out.line("cluster running under supervision (restart policy " + restartName() + ");"
                    + " press Ctrl-C to stop it");
        });
    }

    private String restartName() {
        return restart == RestartPolicy.Mode.NO ? "no" : "on-failure";
    }

    private void printWhereEverythingIs(Path dir, List<Planned> plan, StatusOutput out) {
        out.line("");
        ClusterState.load(dir).ifPresent(state -> out.line(StatusTable.text(StatusTable.observe(state.processes()))));
        out.line("logs: " + dir.resolve("logs"));
        if (observability.enabled()) {
            out.line(observability.summary());
        }
        HostPort first = plan.stream().filter(p -> p.role().equals("ingress")).findFirst().orElse(plan.get(0))
                .address();
        out.line("try:  mosquitto_sub -h " + first.host() + " -p " + first.port() + " -t 'no1/#' -v");
        out.line("      mosquitto_pub -h " + first.host() + " -p " + first.port()
                + " -t no1/sala/temperatura -m '{\"Temperatura\":24.0}'");
        plan.stream().filter(p -> p.role().equals("dns")).findFirst().ifPresent(d -> out.line(
                "      dig @" + d.address().host() + " -p " + d.address().port() + " " + ClusterState.SERVICE_NAME));
        if (tls != null) {
            out.line("TLS:  mosquitto_sub -h " + first.host() + " -p " + tlsPort + " --cafile " + tls.caCertificate()
                    + " -t 'no1/#' -v");
            out.line("      local CA SHA-256 " + tls.caSha256() + "; server certificate SHA-1 " + tls.serverSha1());
        }
        out.line("");
        out.line("*** ANONYMOUS ACCESS: this local cluster listens on loopback addresses only and admits MQTT clients"
                + " WITHOUT credentials, with full access. ***");
        out.line("*** Reachable from a network, brokers refuse anonymous clients: see docs/security.md"
                + " (--users-file, colmeia users, TLS). ***");
    }
}

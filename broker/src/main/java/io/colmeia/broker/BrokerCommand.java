package io.colmeia.broker;

import io.colmeia.broker.cluster.ClusterConfig;
import io.colmeia.broker.security.SecurityOptions;
import io.colmeia.broker.overload.OverloadOptions;
import io.colmeia.broker.overload.ShutdownWatchdog;
import io.colmeia.broker.telemetry.TelemetryConfig;
import io.colmeia.common.config.CommonOptions;
import io.colmeia.common.config.Converters;
import io.colmeia.common.config.Directories;
import io.colmeia.common.config.EnvironmentDefaults;
import io.colmeia.common.config.HostPort;
import io.colmeia.common.lifecycle.ShutdownSignal;
import io.colmeia.common.logging.Logging;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import io.colmeia.persistence.PersistenceOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/** {@code colmeia broker}: runs one broker replica until SIGTERM/SIGINT. */
@Command(name = "broker", mixinStandardHelpOptions = true, sortOptions = false,
        resourceBundle = "io.colmeia.broker.BrokerCommand",
        description = "Run one broker replica: embedded HiveMQ CE with the colmeia extension.")
public final class BrokerCommand implements Callable<Integer> {

    /** The persistence library's default --spool-dir, replaced by {@code <data-dir>/spool} when left alone. */
    static final Path DEFAULT_SPOOL_DIR = Path.of("data/spool");

    @Option(names = "--node-id", defaultValue = "broker-1", paramLabel = "ID",
            description = "This replica's unique id; labels its metrics and logs (default: ${DEFAULT-VALUE}).")
    String nodeId;

    @Option(names = "--mqtt", defaultValue = "0.0.0.0:1883", paramLabel = "HOST:PORT",
            converter = Converters.HostPortConverter.class,
            description = "MQTT TCP listener address (default: ${DEFAULT-VALUE}).")
    HostPort mqtt;

    @Option(names = "--http", defaultValue = "0.0.0.0:9100", paramLabel = "HOST:PORT",
            converter = Converters.HostPortConverter.class,
            description = "Address of /metrics, /health and /ready (default: ${DEFAULT-VALUE}).")
    HostPort http;

    @Option(names = "--data-dir", defaultValue = "data/broker", paramLabel = "DIR",
            description = "Directory for HiveMQ's sessions, queues and retained messages (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--persistence", defaultValue = "file", paramLabel = "MODE",
            description = "Where HiveMQ keeps sessions and queued messages: file (survives restart) or memory"
                    + " (default: ${DEFAULT-VALUE}).")
    BrokerConfig.PersistenceMode persistence;

    @Option(names = "--max-queue-size", defaultValue = "100000", paramLabel = "N",
            description = "Messages queued per client before new QoS 1/2 messages to it are dropped (counted in"
                    + " colmeia_broker_messages_dropped_total and logged) (default: ${DEFAULT-VALUE}).")
    long maxQueueSize;

    @Option(names = "--max-packet-size", defaultValue = "1048576", paramLabel = "BYTES",
            description = "Largest MQTT packet accepted (default: ${DEFAULT-VALUE}).")
    int maxPacketSize;

    @Option(names = "--max-connections", defaultValue = "-1", paramLabel = "N",
            description = "Concurrent client connections allowed; -1 for no limit (default: ${DEFAULT-VALUE}).")
    int maxConnections;

    @Option(names = "--connect-timeout", defaultValue = "10s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "Time a new TCP connection has to send CONNECT before it is closed"
                    + " (default: ${DEFAULT-VALUE}).")
    Duration connectTimeout;

    @Option(names = "--shutdown-grace", defaultValue = "10s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "On SIGTERM, time allowed for clients to be disconnected before the broker stops"
                    + " (default: ${DEFAULT-VALUE}).")
    Duration shutdownGrace;

    @Option(names = "--cluster", defaultValue = "", paramLabel = "HOST:PORT",
            converter = OptionalHostPortConverter.class,
            description = "Address of this replica's cluster link listener; empty runs it standalone"
                    + " (default: ${DEFAULT-VALUE}).")
    HostPort cluster;

    @Option(names = "--peers", defaultValue = "", split = ",", paramLabel = "HOST:PORT",
            converter = OptionalHostPortConverter.class,
            description = "Cluster link addresses of the other replicas, comma-separated; listing this replica's own"
                    + " --cluster address too is fine (default: ${DEFAULT-VALUE}).")
    List<HostPort> peers;

    @Option(names = "--peers-dns", defaultValue = "", paramLabel = "NAME",
            description = "DNS name whose addresses are the replicas (e.g. tasks.broker in Docker Swarm, a headless"
                    + " Kubernetes service), resolved every --peers-dns-interval (default: ${DEFAULT-VALUE}).")
    String peersDns;

    @Option(names = "--peers-port", defaultValue = "0", paramLabel = "PORT",
            description = "Cluster link port of the replicas found with --peers-dns; 0 = the --cluster port"
                    + " (default: ${DEFAULT-VALUE}).")
    int peersPort;

    @Option(names = "--peers-dns-interval", defaultValue = "5s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "How often --peers-dns is resolved again (default: ${DEFAULT-VALUE}).")
    Duration peersDnsInterval;

    @Option(names = "--cluster-heartbeat", defaultValue = "1s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "A quiet cluster link sends a heartbeat this often (default: ${DEFAULT-VALUE}).")
    Duration clusterHeartbeat;

    @Option(names = "--cluster-timeout", defaultValue = "5s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "A peer silent for this long is considered failed and its link is closed"
                    + " (default: ${DEFAULT-VALUE}).")
    Duration clusterTimeout;

    @Option(names = "--cluster-buffer", defaultValue = "100000", paramLabel = "N",
            description = "Messages held per peer (unsent, or sent and not yet acknowledged); beyond it messages for"
                    + " that peer are dropped and counted in colmeia_broker_cluster_dropped_total"
                    + " (default: ${DEFAULT-VALUE}).")
    int clusterBuffer;

    @Option(names = "--telemetry", defaultValue = "on", paramLabel = "on|off",
            description = "on: hand every client PUBLISH on a --telemetry-filter topic to the telemetry sink"
                    + " (MongoDB, local spool); off: no sink at all, a pure MQTT broker, and the --mongodb-*,"
                    + " --spool-*, --batch-*, --queue-*, --write-* options are ignored (default: ${DEFAULT-VALUE}).")
    Switch telemetry;

    @Option(names = "--telemetry-filter", defaultValue = "#", split = ",", paramLabel = "FILTER",
            description = "MQTT topic filters, comma-separated, of the publishes stored; '#' is every topic except"
                    + " $-topics such as $SYS, as in a subscription (default: ${DEFAULT-VALUE}).")
    List<String> telemetryFilters;

    @Option(names = "--ack", defaultValue = "persisted", paramLabel = "persisted|received",
            description = "When a stored QoS 1/2 PUBLISH is acknowledged: persisted = only once it is durable"
                    + " (MongoDB w:majority or the fsync'd spool; if it cannot be, MQTT 5 clients get an error"
                    + " reason code and MQTT 3 clients are disconnected, so they retransmit); received = at once,"
                    + " stored when possible. QoS 0 is never held (default: ${DEFAULT-VALUE}).")
    TelemetryConfig.AckMode ack;

    @Option(names = "--telemetry-ack-timeout", defaultValue = "30s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "With --ack persisted, longest a QoS 1/2 PUBLISH waits for the sink before it is refused"
                    + " like an unavailable store (default: ${DEFAULT-VALUE}).")
    Duration telemetryAckTimeout;

    @Mixin
    SecurityOptions securityOptions = new SecurityOptions();

    @Mixin
    PersistenceOptions persistenceOptions = new PersistenceOptions();

    @Mixin
    OverloadOptions overload = new OverloadOptions();

    @Mixin
    CommonOptions common = new CommonOptions();

    @Spec
    CommandSpec spec;

    /** {@code --telemetry} values. */
    public enum Switch { on, off }

    @Override
    public Integer call() throws Exception {
        Logging.configure(nodeId, common.logLevel);
        Path data = Directories.requireWritable("--data-dir", dataDir);
        BrokerConfig config = new BrokerConfig(nodeId, mqtt, http, data, persistence, maxQueueSize, maxPacketSize,
                maxConnections, connectTimeout, shutdownGrace,
                new ClusterConfig(cluster, peers.stream().filter(Objects::nonNull).toList(), peersDns, peersPort,
                        peersDnsInterval, clusterHeartbeat, clusterTimeout, clusterBuffer),
                telemetryConfig(data), securityOptions.toConfig());
        BrokerReplica replica = new BrokerReplica(config, overload.toConfig());
        ShutdownSignal signal = new ShutdownSignal("broker " + nodeId, () -> {
            // drain (--shutdown-grace), HiveMQ's stop (up to 30 s), the sink's flush: then halt, whatever hangs
            ShutdownWatchdog.arm("broker " + nodeId, shutdownGrace.plus(Duration.ofMinutes(2)));
            replica.close();
        });
        try {
            replica.start();
        } catch (RuntimeException e) {
            signal.cancel();
            replica.close();
            throw e;
        }
        signal.await();
        return 0;
    }

    /**
     * The tap's configuration; with {@code --telemetry off} the sink's options are not validated (nothing uses
     * them). A {@code --spool-dir} left at its default becomes {@code <data-dir>/spool}: one spool per replica.
     */
    TelemetryConfig telemetryConfig(Path data) {
        if (telemetry == Switch.off) {
            return TelemetryConfig.off();
        }
        if (!spoolDirChosen()) {
            persistenceOptions.spoolDir = data.resolve("spool");
        }
        List<String> filters = telemetryFilters == null ? List.of()
                : telemetryFilters.stream().map(String::strip).filter(f -> !f.isEmpty()).toList();
        return new TelemetryConfig(true, filters, ack, telemetryAckTimeout, persistenceOptions.toConfig());
    }

    /** True when --spool-dir was given on the command line or in the environment (COLMEIA_SPOOL_DIR). */
    private boolean spoolDirChosen() {
        if (spec == null) {
            return !DEFAULT_SPOOL_DIR.equals(persistenceOptions.spoolDir);
        }
        OptionSpec option = spec.findOption("--spool-dir");
        ParseResult parsed = spec.commandLine().getParseResult();
        if (parsed != null && parsed.hasMatchedOption(option)) {
            return true;
        }
        IDefaultValueProvider provider = spec.commandLine().getDefaultValueProvider();
        if (provider instanceof EnvironmentDefaults environment) {
            return environment.suppliesValueFor(option);
        }
        return !DEFAULT_SPOOL_DIR.equals(persistenceOptions.spoolDir);
    }

    /** HOST:PORT, or an empty value for "none" (null). */
    public static final class OptionalHostPortConverter implements ITypeConverter<HostPort> {
        private final Converters.HostPortConverter delegate = new Converters.HostPortConverter();

        @Override
        public HostPort convert(String value) {
            return value == null || value.isBlank() ? null : delegate.convert(value);
        }
    }
}

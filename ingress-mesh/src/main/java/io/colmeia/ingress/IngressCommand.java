package io.colmeia.ingress;

import io.colmeia.common.config.CommonOptions;
import io.colmeia.common.config.Converters;
import io.colmeia.common.config.HostPort;
import io.colmeia.common.config.InvalidConfigurationException;
import io.colmeia.common.lifecycle.ShutdownSignal;
import io.colmeia.common.logging.Logging;
import io.colmeia.ingress.sched.CpuNice;
import io.colmeia.ingress.tls.TlsOptions;
import io.colmeia.ingress.tls.TlsTermination;
import java.security.Security;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code colmeia ingress}: runs one ingress node until SIGTERM/SIGINT, then drains. */
@Command(name = "ingress", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run one ingress node: an MQTT-aware TCP proxy that reads each client's CONNECT and relays"
                + " it to a healthy broker replica chosen by rendezvous hash of the client id.")
public final class IngressCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(IngressCommand.class);

    @Option(names = "--node-id", defaultValue = "ingress-1", paramLabel = "ID",
            description = "This ingress node's unique id; labels its metrics and logs (default: ${DEFAULT-VALUE}).")
    String nodeId;

    @Option(names = "--mqtt", defaultValue = "0.0.0.0:1883", paramLabel = "HOST:PORT",
            converter = Converters.HostPortConverter.class,
            description = "Address clients connect to (default: ${DEFAULT-VALUE}).")
    HostPort mqtt;

    @Option(names = "--http", defaultValue = "0.0.0.0:9100", paramLabel = "HOST:PORT",
            converter = Converters.HostPortConverter.class,
            description = "Address of /metrics, /health and /ready (default: ${DEFAULT-VALUE}).")
    HostPort http;

    @Option(names = "--replicas", split = ",", paramLabel = "HOST:PORT",
            converter = Converters.HostPortConverter.class,
            description = "Broker replicas, comma separated; every ingress node must list the same addresses"
                    + " so that all route a client to the same replica.")
    List<HostPort> replicas = new ArrayList<>();

    @Option(names = "--replicas-dns", paramLabel = "NAME",
            description = "DNS name whose A/AAAA records are replicas (e.g. tasks.broker in Docker Swarm, a"
                    + " headless service in Kubernetes), re-resolved periodically; added to --replicas.")
    String replicasDns;

    @Option(names = "--replicas-port", defaultValue = "1883", paramLabel = "PORT",
            description = "MQTT port of the replicas found through --replicas-dns (default: ${DEFAULT-VALUE}).")
    int replicasPort;

    @Option(names = "--replicas-dns-interval", defaultValue = "10s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "How often --replicas-dns is resolved again (default: ${DEFAULT-VALUE}).")
    Duration replicasDnsInterval;

    @Option(names = "--probe-interval", defaultValue = "1s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "Time between MQTT CONNECT/CONNACK health probes of each replica"
                    + " (default: ${DEFAULT-VALUE}).")
    Duration probeInterval;

    @Option(names = "--probe-timeout", defaultValue = "1500ms", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "Time a replica has to answer a probe with CONNACK; a relayed connection gets this"
                    + " but at least 10s to be accepted (default: ${DEFAULT-VALUE}).")
    Duration probeTimeout;

    @Option(names = "--probe-failures", defaultValue = "2", paramLabel = "N",
            description = "Consecutive failed probes that mark a replica down (a failed probe is repeated at once);"
                    + " one success marks it up again. A refused relayed connection marks it down at once"
                    + " (default: ${DEFAULT-VALUE}).")
    int probeFailures;

    @Option(names = "--connect-timeout", defaultValue = "10s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "Time a new client has to send its complete CONNECT before it is closed"
                    + " (default: ${DEFAULT-VALUE}).")
    Duration connectTimeout;

    @Option(names = "--max-connect-size", defaultValue = "65536", paramLabel = "BYTES",
            description = "Largest CONNECT packet accepted; larger ones are closed before they are read"
                    + " (default: ${DEFAULT-VALUE}).")
    int maxConnectSize;

    @Option(names = "--max-connections", defaultValue = "9000", paramLabel = "N",
            description = "Client connections open at once; each costs 2 file descriptors"
                    + " (default: ${DEFAULT-VALUE}).")
    int maxConnections;

    @Option(names = "--max-connections-per-ip", defaultValue = "0", paramLabel = "N",
            description = "Client connections open at once from one IP address; 0 for no limit"
                    + " (default: ${DEFAULT-VALUE}).")
    int maxConnectionsPerIp;

    @Option(names = "--connection-rate-per-ip", defaultValue = "0", paramLabel = "N",
            description = "New connections per second from one IP address (bursts of 2N); 0 for no limit"
                    + " (default: ${DEFAULT-VALUE}).")
    int connectionRatePerIp;

    @Option(names = "--idle-timeout", defaultValue = "0s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "Close a relayed connection with no traffic for max(this, 2 x the client's keepalive);"
                    + " 0s means only the keepalive rule applies (default: ${DEFAULT-VALUE}).")
    Duration idleTimeout;

    @Option(names = "--proxy-protocol", defaultValue = "false", paramLabel = "BOOLEAN", arity = "0..1",
            description = "Send a PROXY protocol v2 header to replicas so they see client addresses; only for"
                    + " brokers that expect it (HiveMQ CE does not) (default: ${DEFAULT-VALUE}).")
    boolean proxyProtocol;

    @Option(names = "--shutdown-grace", defaultValue = "30s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "On SIGTERM, time existing connections keep being relayed after accepting stops"
                    + " (default: ${DEFAULT-VALUE}).")
    Duration shutdownGrace;

    @Option(names = "--drain-spread", defaultValue = "5s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "After the grace period, the connections left are closed spread over this time, so"
                    + " their clients do not all reconnect at once (default: ${DEFAULT-VALUE}).")
    Duration drainSpread;

    @Option(names = "--slow-start", defaultValue = "30s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "A replica that becomes healthy takes a linearly growing share of its new clients over"
                    + " this time, so a cold one is not hit with full load; 0s turns it off"
                    + " (default: ${DEFAULT-VALUE}).")
    Duration slowStart;

    @Option(names = "--tcp-quickack", defaultValue = "true", paramLabel = "BOOLEAN", arity = "0..1",
            description = "Acknowledge client segments at once (Linux TCP_QUICKACK, re-armed after each small read), so"
                    + " clients that leave Nagle on (MQTT.js, Node-RED) are not held by delayed ACKs"
                    + " (default: ${DEFAULT-VALUE}).")
    boolean tcpQuickAck;

    @Option(names = "--io-threads", defaultValue = "0", paramLabel = "N",
            description = "Event loops relaying the connections (both sides of a connection always share one);"
                    + " 0: half the processors, at least 1 (default: ${DEFAULT-VALUE}).")
    int ioThreads;

    @Option(names = "--cpu-nice", defaultValue = "10", paramLabel = "N",
            description = "Linux nice value (0..19) the ingress gives its threads at start; 0 leaves the priority"
                    + " as it is. Under CPU contention the broker next to it runs first and the ingress relays in"
                    + " larger batches: fewer system calls and wake-ups per message (default: ${DEFAULT-VALUE}).")
    int cpuNice;

    @Mixin
    TlsOptions tls = new TlsOptions();

    @Mixin
    CommonOptions common = new CommonOptions();

    /** The validated configuration these options describe. */
    IngressConfig config() {
        return new IngressConfig(nodeId, mqtt, http, replicas, replicasDns, replicasPort, replicasDnsInterval,
                probeInterval, probeTimeout, probeFailures, connectTimeout, maxConnectSize, maxConnections,
                maxConnectionsPerIp, connectionRatePerIp, idleTimeout, proxyProtocol, shutdownGrace, drainSpread,
                slowStart, tcpQuickAck, ioThreads)
                .validate();
    }

    @Override
    public Integer call() throws Exception {
        Logging.configure(nodeId, common.logLevel);
        IngressConfig config = config();
        int nice = cpuNice();
        TlsTermination termination = tls.toTermination();
        lowerPriority(nice);
        quietLeakDetector();
        if (config.replicasDns() != null) {
            // The JDK caches positive lookups for 30 s by default; follow replica changes at our own pace.
            Security.setProperty("networkaddress.cache.ttl",
                    Long.toString(Math.max(1, config.replicasDnsInterval().toSeconds())));
        }
        IngressNode node = IngressNode.start(config);
        node.metrics().gauge("colmeia_ingress_cpu_nice",
                "Nice value the ingress threads run at (--cpu-nice; NaN where /proc does not tell)", this,
                command -> {
                    java.util.OptionalInt now = CpuNice.current(); // of the scraping thread: it inherited it
                    return now.isPresent() ? now.getAsInt() : Double.NaN;
                });
        if (termination != null) {
            termination.bindMetrics(node.registry());
            try {
                node.server().startTls(termination);
            } catch (RuntimeException e) {
                node.close();
                throw e;
            }
        }
        ShutdownSignal signal = new ShutdownSignal("ingress " + nodeId, node::close);
        signal.await();
        return 0;
    }

    /** The validated --cpu-nice. */
    int cpuNice() {
        if (cpuNice < 0 || cpuNice > CpuNice.MAX) {
            throw new InvalidConfigurationException("--cpu-nice", cpuNice + " is outside 0.." + CpuNice.MAX
                    + " (0 leaves the priority as it is)");
        }
        return cpuNice;
    }

    /** Before any event loop or probe thread exists, so that all of them inherit the nice value. */
    private static void lowerPriority(int nice) {
        if (nice == 0) {
            return;
        }
        CpuNice.Outcome outcome = CpuNice.lower(nice, Duration.ofSeconds(5));
        if (outcome.applied()) {
            LOG.info("CPU priority: {} (--cpu-nice {})", outcome.detail(), nice);
        } else {
            LOG.warn("CPU priority not lowered to nice {} (--cpu-nice): {}; relaying at normal priority costs more"
                    + " CPU per message under contention", nice, outcome.detail());
        }
    }

    /**
     * Netty's leak detector samples one buffer allocation in 128 and records a stack trace for it: on the relay's
     * hot path that is a Throwable every few milliseconds for a debugging aid. Off unless asked for with
     * -Dio.netty.leakDetection.level (the tests keep Netty's default).
     */
    private static void quietLeakDetector() {
        if (System.getProperty("io.netty.leakDetection.level") == null
                && System.getProperty("io.netty.leakDetectionLevel") == null) {
            io.netty.util.ResourceLeakDetector.setLevel(io.netty.util.ResourceLeakDetector.Level.DISABLED);
        }
    }
}

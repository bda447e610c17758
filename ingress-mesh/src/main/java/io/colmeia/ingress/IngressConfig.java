package io.colmeia.ingress;

import io.colmeia.common.config.HostPort;
import io.colmeia.common.config.InvalidConfigurationException;
import java.time.Duration;
import java.util.List;

/**
 * The ingress configuration, validated once ({@link #validate()}): every problem names the option.
 *
 * @param replicasDns null when replicas come only from the static list
 * @param http        null for no status endpoint (tests only; the command always has one)
 * @param slowStart   window over which a newly healthy replica is ramped in; zero for none
 * @param tcpQuickAck re-arm TCP_QUICKACK on client sockets after each read (Linux epoll only)
 * @param ioThreads   event loops relaying connections; 0 for {@link #defaultIoThreads(int)}
 */
public record IngressConfig(
        String nodeId,
        HostPort mqtt,
        HostPort http,
        List<HostPort> replicas,
        String replicasDns,
        int replicasPort,
        Duration replicasDnsInterval,
        Duration probeInterval,
        Duration probeTimeout,
        int probeFailures,
        Duration connectTimeout,
        int maxConnectSize,
        int maxConnections,
        int maxConnectionsPerIp,
        int connectionRatePerIp,
        Duration idleTimeout,
        boolean proxyProtocol,
        Duration shutdownGrace,
        Duration drainSpread,
        Duration slowStart,
        boolean tcpQuickAck,
        int ioThreads) {

    /** Smallest CONNECT limit accepted: a 3.1.1 CONNECT with a 23-byte client id and credentials fits. */
    public static final int MIN_CONNECT_SIZE = 128;
    /** Largest CONNECT limit accepted: the ingress holds up to this much per connecting client. */
    public static final int MAX_CONNECT_SIZE = 16 * 1024 * 1024;
    /** Backpressure thresholds of each relayed direction (bytes queued toward the slower side). */
    public static final int LOW_WATER_MARK = 32 * 1024;
    public static final int HIGH_WATER_MARK = 64 * 1024;
    /** Healthy replicas tried for one client before it is refused. */
    public static final int MAX_BACKEND_ATTEMPTS = 3;
    /**
     * Least time a replica has to accept a relayed connection. A replica whose listen backlog overflows in a
     * connection storm (e.g. every client of a lost replica reconnecting at once) drops SYNs, which the kernel
     * retransmits after 1, 3 and 7 s: the connection is slow, not failed, and a client would have waited as
     * long (MQTT clients allow 10–30 s for a connect). A frozen replica is caught by the probe, a dead one
     * refuses at once.
     */
    public static final Duration MIN_BACKEND_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    /** Largest --io-threads accepted. */
    public static final int MAX_IO_THREADS = 256;

    /**
     * Event loops when --io-threads is 0: half the processors, at least one. The ingress runs next to a broker
     * replica on every node and needs a few microseconds of CPU per relayed message where the broker needs
     * tens, so one loop per two cores is ample; on 2 shared cores one loop measured less CPU per message than
     * two (fewer wake-ups, more ready sockets handled per epoll_wait).
     */
    public static int defaultIoThreads(int processors) {
        return Math.max(1, processors / 2);
    }

    /** The number of relay event loops to start on a machine with {@code processors} processors. */
    public int ioThreads(int processors) {
        return ioThreads > 0 ? ioThreads : defaultIoThreads(processors);
    }

    /** The backend connect timeout: the probe timeout, but at least {@link #MIN_BACKEND_CONNECT_TIMEOUT}. */
    public Duration backendConnectTimeout() {
        return probeTimeout.compareTo(MIN_BACKEND_CONNECT_TIMEOUT) > 0 ? probeTimeout : MIN_BACKEND_CONNECT_TIMEOUT;
    }

    public IngressConfig {
        replicas = replicas == null ? List.of() : List.copyOf(replicas);
        if (replicasDns != null && replicasDns.isBlank()) {
            replicasDns = null;
        }
    }

    /** Defaults of the command, for tests and embedding: listen and status addresses and replicas given. */
    public static IngressConfig defaults(String nodeId, HostPort mqtt, HostPort http, List<HostPort> replicas) {
        return new IngressConfig(nodeId, mqtt, http, replicas, null, 1883, Duration.ofSeconds(10),
                Duration.ofSeconds(1), Duration.ofMillis(1500), 2, Duration.ofSeconds(10), 65536, 9000, 0, 0,
                Duration.ZERO, false, Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofSeconds(30), true, 0);
    }

    public IngressConfig validate() {
        if (nodeId == null || nodeId.isBlank()) {
            throw new InvalidConfigurationException("--node-id", "must not be empty");
        }
        if (replicas.isEmpty() && replicasDns == null) {
            throw new InvalidConfigurationException("--replicas",
                    "no replicas: give --replicas HOST:PORT,... and/or --replicas-dns NAME");
        }
        if (replicasPort < 1 || replicasPort > 65535) {
            throw new InvalidConfigurationException("--replicas-port", replicasPort + " is outside 1..65535");
        }
        positive("--replicas-dns-interval", replicasDnsInterval);
        positive("--probe-interval", probeInterval);
        positive("--probe-timeout", probeTimeout);
        positive("--connect-timeout", connectTimeout);
        if (probeTimeout.toMillis() > Integer.MAX_VALUE) {
            throw new InvalidConfigurationException("--probe-timeout", "too large");
        }
        if (probeFailures < 1 || probeFailures > 100) {
            throw new InvalidConfigurationException("--probe-failures", probeFailures + " is outside 1..100");
        }
        if (maxConnectSize < MIN_CONNECT_SIZE || maxConnectSize > MAX_CONNECT_SIZE) {
            throw new InvalidConfigurationException("--max-connect-size",
                    maxConnectSize + " is outside " + MIN_CONNECT_SIZE + ".." + MAX_CONNECT_SIZE);
        }
        if (maxConnections < 1) {
            throw new InvalidConfigurationException("--max-connections", "must be at least 1, got " + maxConnections);
        }
        if (maxConnectionsPerIp < 0) {
            throw new InvalidConfigurationException("--max-connections-per-ip",
                    "must be 0 (no limit) or more, got " + maxConnectionsPerIp);
        }
        if (connectionRatePerIp < 0) {
            throw new InvalidConfigurationException("--connection-rate-per-ip",
                    "must be 0 (no limit) or more, got " + connectionRatePerIp);
        }
        notNegative("--idle-timeout", idleTimeout);
        notNegative("--shutdown-grace", shutdownGrace);
        notNegative("--drain-spread", drainSpread);
        notNegative("--slow-start", slowStart);
        if (ioThreads < 0 || ioThreads > MAX_IO_THREADS) {
            throw new InvalidConfigurationException("--io-threads",
                    ioThreads + " is outside 0.." + MAX_IO_THREADS + " (0: half the processors, at least 1)");
        }
        return this;
    }

    private static void positive(String option, Duration value) {
        if (value == null || value.isZero() || value.isNegative()) {
            throw new InvalidConfigurationException(option, "must be longer than 0");
        }
    }

    private static void notNegative(String option, Duration value) {
        if (value == null || value.isNegative()) {
            throw new InvalidConfigurationException(option, "must not be negative");
        }
    }
}

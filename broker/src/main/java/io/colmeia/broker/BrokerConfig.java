package io.colmeia.broker;

import io.colmeia.broker.cluster.ClusterConfig;
import io.colmeia.broker.security.SecurityConfig;
import io.colmeia.broker.telemetry.TelemetryConfig;
import io.colmeia.common.config.HostPort;
import io.colmeia.common.config.InvalidConfigurationException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;

/** The typed, validated configuration of one broker replica. */
public record BrokerConfig(
        String nodeId,
        HostPort mqtt,
        HostPort http,
        Path dataDir,
        PersistenceMode persistence,
        long maxQueueSize,
        int maxPacketSize,
        int maxConnections,
        Duration connectTimeout,
        Duration shutdownGrace,
        ClusterConfig cluster,
        TelemetryConfig telemetry,
        SecurityConfig security) {

    /** Node ids appear in metrics labels, file names and (later) the cluster protocol. */
    private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    public enum PersistenceMode { file, memory }

    public BrokerConfig {
        if (nodeId == null || !NODE_ID.matcher(nodeId).matches()) {
            throw new InvalidConfigurationException("--node-id", "'" + nodeId
                    + "' is not a node id: use 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        if (maxQueueSize < 1) {
            throw new InvalidConfigurationException("--max-queue-size", "must be at least 1, got " + maxQueueSize);
        }
        if (maxPacketSize < 64 || maxPacketSize > 268_435_460) {
            throw new InvalidConfigurationException("--max-packet-size",
                    "must be between 64 and 268435460 bytes, got " + maxPacketSize);
        }
        if (maxConnections < -1 || maxConnections == 0) {
            throw new InvalidConfigurationException("--max-connections",
                    "must be -1 (unlimited) or a positive number, got " + maxConnections);
        }
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new InvalidConfigurationException("--connect-timeout", "must be positive");
        }
        if (shutdownGrace.isNegative()) {
            throw new InvalidConfigurationException("--shutdown-grace", "must not be negative");
        }
        if (cluster == null) {
            cluster = ClusterConfig.standalone();
        }
        if (cluster.listen() != null && (cluster.listen().equals(mqtt) || cluster.listen().equals(http))) {
            throw new InvalidConfigurationException("--cluster", "is the same address as --mqtt or --http ("
                    + cluster.listen() + ")");
        }
        if (telemetry == null) {
            telemetry = TelemetryConfig.off();
        }
        if (security == null) {
            security = SecurityConfig.defaults();
        }
        if (security.tls() != null && (security.tls().address().equals(mqtt) || security.tls().address().equals(http)
                || security.tls().address().equals(cluster.listen()))) {
            throw new InvalidConfigurationException("--mqtts", "is the same address as another listener ("
                    + security.tls().address() + ")");
        }
        if (mqtt.equals(http)) {
            throw new InvalidConfigurationException("--http", "is the same address as --mqtt (" + mqtt + ")");
        }
    }

    /** A replica with the default security (see {@link SecurityConfig#defaults()}). */
    public BrokerConfig(String nodeId, HostPort mqtt, HostPort http, Path dataDir, PersistenceMode persistence,
                        long maxQueueSize, int maxPacketSize, int maxConnections, Duration connectTimeout,
                        Duration shutdownGrace, ClusterConfig cluster, TelemetryConfig telemetry) {
        this(nodeId, mqtt, http, dataDir, persistence, maxQueueSize, maxPacketSize, maxConnections, connectTimeout,
                shutdownGrace, cluster, telemetry, SecurityConfig.defaults());
    }

    /** The same configuration with other security settings. */
    public BrokerConfig withSecurity(SecurityConfig settings) {
        return new BrokerConfig(nodeId, mqtt, http, dataDir, persistence, maxQueueSize, maxPacketSize, maxConnections,
                connectTimeout, shutdownGrace, cluster, telemetry, settings);
    }

    /** A replica without the telemetry tap (a pure broker). */
    public BrokerConfig(String nodeId, HostPort mqtt, HostPort http, Path dataDir, PersistenceMode persistence,
                        long maxQueueSize, int maxPacketSize, int maxConnections, Duration connectTimeout,
                        Duration shutdownGrace, ClusterConfig cluster) {
        this(nodeId, mqtt, http, dataDir, persistence, maxQueueSize, maxPacketSize, maxConnections, connectTimeout,
                shutdownGrace, cluster, TelemetryConfig.off());
    }

    /** A standalone replica (no cluster) without the telemetry tap. */
    public BrokerConfig(String nodeId, HostPort mqtt, HostPort http, Path dataDir, PersistenceMode persistence,
                        long maxQueueSize, int maxPacketSize, int maxConnections, Duration connectTimeout,
                        Duration shutdownGrace) {
        this(nodeId, mqtt, http, dataDir, persistence, maxQueueSize, maxPacketSize, maxConnections, connectTimeout,
                shutdownGrace, ClusterConfig.standalone(), TelemetryConfig.off());
    }
}

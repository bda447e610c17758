package io.colmeia.persistence.store;

import io.colmeia.common.config.HostPort;
import io.colmeia.common.config.InvalidConfigurationException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;

/** The typed, validated configuration of the embedded store. */
public record StoreConfig(
        String nodeId,
        HostPort listen,
        HostPort advertise,
        String replicaSet,
        Path dataDir,
        HostPort http,
        boolean fsync,
        int compactBelow,
        Duration compactInterval) {

    /** Compaction as {@code colmeia store} does it by default. */
    public static final int DEFAULT_COMPACT_BELOW = 60;
    public static final Duration DEFAULT_COMPACT_INTERVAL = Duration.ofSeconds(10);

    public StoreConfig(String nodeId, HostPort listen, HostPort advertise, String replicaSet, Path dataDir,
            HostPort http, boolean fsync) {
        this(nodeId, listen, advertise, replicaSet, dataDir, http, fsync, DEFAULT_COMPACT_BELOW,
                DEFAULT_COMPACT_INTERVAL);
    }

    private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    private static final Pattern SET_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,62}");

    public StoreConfig {
        if (nodeId == null || !NODE_ID.matcher(nodeId).matches()) {
            throw new InvalidConfigurationException("--node-id", "'" + nodeId
                    + "' is not a node id: use 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        if (replicaSet == null || !SET_NAME.matcher(replicaSet).matches()) {
            throw new InvalidConfigurationException("--replica-set", "'" + replicaSet
                    + "' is not a replica-set name: use 1-63 letters, digits, '_' or '-'");
        }
        if (advertise == null) {
            advertise = listen.reachable();
        }
        if (compactBelow < 0 || compactBelow > 95) {
            throw new InvalidConfigurationException("--compact-below", compactBelow
                    + " is not a percentage from 0 (never compact) to 95");
        }
        if (compactInterval == null || compactInterval.compareTo(Duration.ofSeconds(1)) < 0
                || compactInterval.compareTo(Duration.ofHours(1)) > 0) {
            throw new InvalidConfigurationException("--compact-interval", compactInterval
                    + " is outside 1s..1h");
        }
        if (http != null && http.equals(listen)) {
            throw new InvalidConfigurationException("--http", "is the same address as --listen (" + listen + ")");
        }
    }
}

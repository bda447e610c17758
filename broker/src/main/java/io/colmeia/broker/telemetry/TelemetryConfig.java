package io.colmeia.broker.telemetry;

import io.colmeia.common.config.InvalidConfigurationException;
import io.colmeia.persistence.PersistenceConfig;
import java.time.Duration;
import java.util.List;

/**
 * The typed, validated configuration of the telemetry tap: whether it runs, which topics it hands to the sink,
 * when a QoS 1/2 PUBLISH is acknowledged, and the sink's own configuration.
 *
 * @param enabled     false: no sink at all (a pure broker); the other fields are then ignored
 * @param filters     MQTT topic filters; a PUBLISH whose topic matches any of them is tapped
 * @param ack         when a tapped QoS 1/2 PUBLISH is acknowledged
 * @param ackTimeout  longest a QoS 1/2 PUBLISH waits for the sink with {@code ack=persisted}; then it is not
 *                    acknowledged (MQTT 5: error reason code; MQTT 3: the client is disconnected)
 * @param persistence the sink's configuration (null only when disabled)
 */
public record TelemetryConfig(boolean enabled, List<String> filters, AckMode ack, Duration ackTimeout,
                              PersistenceConfig persistence) {

    public static final Duration DEFAULT_ACK_TIMEOUT = Duration.ofSeconds(30);

    /** When a tapped QoS 1/2 PUBLISH is acknowledged to its client. */
    public enum AckMode {
        /** Only once the sink reports it durable (MongoDB w:majority or the fsync'd spool). */
        persisted,
        /** At once, as a broker without persistence would; the sink stores it when it can. */
        received
    }

    public TelemetryConfig {
        filters = filters == null ? List.of() : List.copyOf(filters);
        if (enabled) {
            if (filters.isEmpty()) {
                throw new InvalidConfigurationException("--telemetry-filter", "names no topic filter");
            }
            for (String filter : filters) {
                String problem = filterProblem(filter);
                if (problem != null) {
                    throw new InvalidConfigurationException("--telemetry-filter", "'" + filter + "' " + problem);
                }
            }
            if (ack == null) {
                throw new InvalidConfigurationException("--ack", "is required");
            }
            if (ackTimeout == null || ackTimeout.compareTo(Duration.ofSeconds(1)) < 0
                    || ackTimeout.compareTo(Duration.ofMinutes(5)) > 0) {
                throw new InvalidConfigurationException("--telemetry-ack-timeout",
                        "must be between 1 s and 5 min, got " + ackTimeout);
            }
            if (persistence == null) {
                throw new IllegalArgumentException("an enabled telemetry tap needs a persistence configuration");
            }
        }
    }

    /** No tap and no sink: the replica is a pure MQTT broker. */
    public static TelemetryConfig off() {
        return new TelemetryConfig(false, List.of(), AckMode.persisted, DEFAULT_ACK_TIMEOUT, null);
    }

    /** The documented defaults (every topic but {@code $}-topics, ack=persisted) with this sink configuration. */
    public static TelemetryConfig on(PersistenceConfig persistence) {
        return new TelemetryConfig(true, List.of("#"), AckMode.persisted, DEFAULT_ACK_TIMEOUT, persistence);
    }

    /** Why {@code filter} is not a valid MQTT topic filter for the tap (MQTT 3.1.1 §4.7.1), or null. */
    static String filterProblem(String filter) {
        if (filter == null || filter.isEmpty()) {
            return "is empty";
        }
        if (filter.startsWith("$share/")) {
            return "is a shared subscription; name the topic filter itself";
        }
        if (filter.indexOf('\u0000') >= 0) {
            return "contains a NUL character";
        }
        String[] levels = filter.split("/", -1);
        for (int i = 0; i < levels.length; i++) {
            String level = levels[i];
            if (level.contains("#") && (!level.equals("#") || i != levels.length - 1)) {
                return "is not a topic filter: '#' must be a whole level and the last one";
            }
            if (level.contains("+") && !level.equals("+")) {
                return "is not a topic filter: '+' must be a whole level";
            }
        }
        return null;
    }
}

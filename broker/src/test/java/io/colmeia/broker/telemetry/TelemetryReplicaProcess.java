package io.colmeia.broker.telemetry;

import io.colmeia.broker.testing.ReplicaJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A broker replica with the telemetry tap on, in its own JVM, writing to {@code mongodbUri} with
 * {@code ack=persisted}. It can be SIGKILLed and started again on the same ports and data directory (so with the
 * same spool).
 */
final class TelemetryReplicaProcess extends ReplicaJvm {

    private final String mongodbUri;

    TelemetryReplicaProcess(String nodeId, String host, Path dataDir, String mongodbUri) {
        super(nodeId, host, dataDir);
        this.mongodbUri = mongodbUri;
    }

    /** Starts the JVM and waits until /ready answers 200. */
    TelemetryReplicaProcess start() {
        launch("384m", List.of("--mongodb-uri", mongodbUri, "--ack", "persisted",
                // give up on an unreachable store quickly: the spool takes over
                "--write-timeout", "1s", "--write-retries", "1"));
        try {
            awaitReady(Duration.ofSeconds(90));
        } catch (IllegalStateException e) {
            close();
            throw e;
        }
        return this;
    }

    /** SIGKILL: no drain, no final write; what was acknowledged must already be durable. */
    void kill9() {
        kill();
    }

    /** The value of the first /metrics sample starting with {@code prefix}, or 0 when there is none. */
    double metric(String prefix) {
        return TelemetryFixtures.metric(metricsText(), prefix);
    }
}

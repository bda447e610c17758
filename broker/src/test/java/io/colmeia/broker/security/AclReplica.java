package io.colmeia.broker.security;

import io.colmeia.broker.testing.ReplicaJvm;
import io.colmeia.common.config.HostPort;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A cluster member in its own JVM with security options of the test's choosing (telemetry off). */
final class AclReplica extends ReplicaJvm {

    AclReplica(String nodeId, String host, Path dataDir) {
        super(nodeId, host, dataDir);
    }

    AclReplica start(List<HostPort> peers, String... extra) {
        List<String> options = new ArrayList<>(clusterOptions(peers));
        options.addAll(List.of("--telemetry", "off"));
        options.addAll(List.of(extra));
        launch("256m", options);
        return this;
    }

    /** Sum of the samples of a metric whose label text contains {@code labelFragment}. */
    double metric(String name, String labelFragment) {
        return metricsText().lines()
                .filter(l -> l.startsWith(name + "{") && l.contains(labelFragment))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}

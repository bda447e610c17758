package io.colmeia.broker.cluster;

import io.colmeia.broker.testing.ReplicaJvm;
import io.colmeia.common.config.HostPort;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A cluster member in its own JVM (telemetry off: routing tests have no MongoDB and no sink to wait for). */
final class ReplicaProcess extends ReplicaJvm {

    ReplicaProcess(String nodeId, String host, Path dataDir) {
        super(nodeId, host, dataDir);
    }

    /** Starts the process with these cluster addresses as --peers (does not wait for it to be ready). */
    ReplicaProcess start(List<HostPort> clusterAddresses) {
        return start(clusterAddresses, List.of());
    }

    /** Starts the process with these --peers and these further broker options (does not wait for it). */
    ReplicaProcess start(List<HostPort> clusterAddresses, List<String> more) {
        List<String> options = new ArrayList<>(clusterOptions(clusterAddresses));
        options.addAll(List.of("--telemetry", "off"));
        options.addAll(more);
        launch("256m", options);
        return this;
    }

    /** Sum of every sample of {@code name} whose labels include all of {@code labels}. */
    double metric(String name, Map<String, String> labels) {
        Pattern line = Pattern.compile("^" + Pattern.quote(name) + "\\{([^}]*)} (\\S+)$", Pattern.MULTILINE);
        Matcher m = line.matcher(metricsText());
        double sum = 0;
        while (m.find()) {
            String labelText = m.group(1);
            boolean all = labels.entrySet().stream()
                    .allMatch(e -> labelText.contains(e.getKey() + "=\"" + e.getValue() + "\""));
            if (all) {
                sum += Double.parseDouble(m.group(2));
            }
        }
        return sum;
    }
}

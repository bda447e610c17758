package io.colmeia.launcher.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.colmeia.broker.BrokerConfig;
import io.colmeia.launcher.local.ClusterPlan.Planned;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `colmeia up` starts ingress nodes with the lean JVM options the ingress benchmark measured, the rest with --heap. */
class ClusterPlanJvmOptionsTest {

    @TempDir
    Path dir;

    @Test
    void ingressNodesGetTheLeanOptionsAndEveryOtherProcessTheClusterHeap() {
        List<Planned> plan = ClusterPlan.plan(dir, new ClusterPlan.Shape(3, 1883, 7800, 2, 1883, true, 5353, true,
                27017, 9100, BrokerConfig.PersistenceMode.memory));
        List<String> cluster = List.of("-Xmx384m");
        assertThat(plan).extracting(Planned::role).contains("store", "broker", "ingress", "dns");
        for (Planned p : plan) {
            List<String> options = ClusterPlan.jvmOptions(p, cluster);
            if (p.role().equals("ingress")) {
                assertThat(options).containsExactly("-Xms64m", "-Xmx128m", "-XX:+UseSerialGC",
                        "-XX:TieredStopAtLevel=1");
            } else {
                assertThat(options).as(p.id()).isEqualTo(cluster);
            }
        }
        assertThat(plan.stream().filter(p -> p.role().equals("ingress"))).hasSize(2);
    }
}

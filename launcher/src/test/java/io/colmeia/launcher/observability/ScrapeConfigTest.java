package io.colmeia.launcher.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.colmeia.common.config.HostPort;
import io.colmeia.launcher.local.ClusterPlan.Planned;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ScrapeConfigTest {

    private static Planned process(String role, String id, String http) {
        HostPort address = http == null ? null : HostPort.parse(http);
        return new Planned(role, id, List.of(), address, address, List.of(), Path.of("/logs", id + ".log"), null);
    }

    @Test
    void everyProcessIsATargetOfJobColmeiaWithItsRole() {
        String yaml = ScrapeConfig.yaml(List.of(process("broker", "broker-1", "127.0.1.1:9100"),
                        process("ingress", "ingress-1", "127.0.2.1:9100"),
                        process(LocalPrometheus.ROLE, LocalPrometheus.ROLE, "127.0.5.1:9090")),
                Duration.ofSeconds(5), Path.of("/run dir/alerts.yml"), Optional.empty());
        assertThat(yaml).contains("scrape_interval: 5s", "evaluation_interval: 5s", "- \"/run dir/alerts.yml\"",
                "- job_name: colmeia",
                "      - targets: [\"127.0.1.1:9100\"]\n        labels: {role: \"broker\"}",
                "      - targets: [\"127.0.2.1:9100\"]\n        labels: {role: \"ingress\"}");
        // Prometheus is not a colmeia target, and not scraped at all when up does not run it
        assertThat(yaml).doesNotContain("127.0.5.1", "job_name: prometheus");
    }

    @Test
    void prometheusStartedByUpScrapesItselfInItsOwnJob() {
        String yaml = ScrapeConfig.yaml(List.of(process("dns", "dns-1", "127.0.3.1:9100")), Duration.ofMinutes(1),
                Path.of("/a/alerts.yml"), Optional.of("127.0.5.1:9090"));
        assertThat(yaml).contains("scrape_interval: 60s", "  - job_name: prometheus\n    static_configs:\n"
                + "      - targets: [\"127.0.5.1:9090\"]");
    }

    @Test
    void aClusterWithoutHttpAddressesHasNothingToScrape() {
        assertThatThrownBy(() -> ScrapeConfig.yaml(List.of(process("store", "store-1", null)), Duration.ofSeconds(5),
                Path.of("/a/alerts.yml"), Optional.empty())).hasMessageContaining("no process with an HTTP address");
    }
}

package io.colmeia.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Alert rules and dashboards only use metrics the code registers, and the provisioning is consistent. */
class MonitoringTest {

    private static final Pattern METRIC = Pattern.compile("\\bcolmeia_[a-z0-9_]+");
    private static final Pattern REGISTERED = Pattern.compile("\"(colmeia_[a-z0-9_]+)\"");
    /** Suffixes Prometheus adds to a registered name (histograms, timers, summaries). */
    private static final List<String> SUFFIXES = List.of("", "_bucket", "_count", "_sum", "_max", "_seconds",
            "_seconds_bucket", "_seconds_count", "_seconds_sum", "_seconds_max");

    @Test
    void alertRulesAreWellFormedAndUseRegisteredMetrics() {
        JsonNode rules = Repo.yaml("deploy/prometheus/alerts.yml");
        assertThat(rules.path("groups").size()).isPositive();
        List<String> expressions = new ArrayList<>();
        for (JsonNode group : rules.path("groups")) {
            assertThat(group.path("name").asText()).isNotBlank();
            for (JsonNode rule : group.path("rules")) {
                assertThat(rule.path("alert").asText()).as("rule %s", rule).isNotBlank();
                assertThat(rule.path("expr").asText()).as("rule %s", rule).isNotBlank();
                assertThat(rule.path("labels").path("severity").asText()).as("rule %s", rule).isIn("warning", "critical");
                expressions.add(rule.path("expr").asText());
            }
        }
        assertUsesRegisteredMetrics("deploy/prometheus/alerts.yml", expressions);
    }

    @Test
    void dashboardsUseRegisteredMetricsAndTheProvisionedDatasource() throws IOException {
        JsonNode datasources = Repo.yaml("grafana/provisioning/datasources/prometheus.yml");
        String uid = datasources.path("datasources").get(0).path("uid").asText();
        List<Path> dashboards;
        try (Stream<Path> files = Files.list(Repo.root().resolve("grafana/dashboards"))) {
            dashboards = files.filter(p -> p.toString().endsWith(".json")).toList();
        }
        assertThat(dashboards).isNotEmpty();
        for (Path file : dashboards) {
            JsonNode dashboard = Repo.JSON.readTree(file.toFile());
            assertThat(dashboard.path("uid").asText()).as("%s uid", file).isNotBlank();
            List<String> expressions = new ArrayList<>();
            for (JsonNode target : dashboard.findValues("targets")) {
                target.forEach(t -> expressions.add(t.path("expr").asText()));
            }
            for (JsonNode ds : dashboard.findValues("datasource")) {
                assertThat(ds.path("uid").asText()).as("%s datasource", file).isEqualTo(uid);
            }
            assertUsesRegisteredMetrics(file.getFileName().toString(), expressions);
        }
    }

    @Test
    void prometheusConfigurationsLoadTheAlertRules() {
        for (String config : List.of("deploy/prometheus/prometheus-swarm.yml", "deploy/prometheus/prometheus-kubernetes.yml")) {
            JsonNode prometheus = Repo.yaml(config);
            assertThat(DeploymentFiles.texts(prometheus.path("rule_files"))).as(config)
                    .anyMatch(f -> f.endsWith("/alerts.yml"));
            assertThat(prometheus.path("scrape_configs").size()).as(config).isPositive();
        }
    }

    private static void assertUsesRegisteredMetrics(String source, List<String> expressions) {
        assertThat(expressions).as("%s has expressions", source).isNotEmpty();
        Set<String> registered = registeredMetrics();
        Set<String> unknown = new TreeSet<>();
        for (String expr : expressions) {
            Matcher m = METRIC.matcher(expr);
            while (m.find()) {
                String name = m.group();
                boolean known = SUFFIXES.stream().anyMatch(suffix -> name.endsWith(suffix)
                        && registered.contains(name.substring(0, name.length() - suffix.length())));
                if (!known) {
                    unknown.add(name);
                }
            }
        }
        assertThat(unknown).as("metrics in %s that no module registers", source).isEmpty();
    }

    /** Metric names registered in the modules' main sources (they name meters with string literals). */
    private static Set<String> registeredMetrics() {
        Set<String> names = new TreeSet<>();
        try {
            Files.walkFileTree(Repo.root(), new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
                    boolean skip = !dir.equals(Repo.root())
                            && (name.startsWith(".") || name.equals("target") || name.equals("node_modules"));
                    return skip ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    if (file.toString().endsWith(".java") && file.toString().contains("/src/main/java/")) {
                        Matcher m = REGISTERED.matcher(Files.readString(file));
                        while (m.find()) {
                            names.add(m.group(1));
                        }
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertThat(names).as("metric names found in the sources").isNotEmpty();
        return names;
    }
}

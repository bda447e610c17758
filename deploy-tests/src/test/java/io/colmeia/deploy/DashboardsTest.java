package io.colmeia.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The dashboards are valid Grafana dashboards wired to the provisioned datasource, over catalogued metrics only. */
class DashboardsTest {

    private static final Set<String> PANEL_TYPES = Set.of("timeseries", "stat", "gauge", "bargauge", "table", "text",
            "heatmap", "row", "state-timeline");
    private static final Pattern FALLBACK = Pattern.compile("\\bor\\s+(on\\s*\\(\\s*\\)\\s*)?vector\\(");

    @Test
    void theProvisioningFilesDeclareOnePrometheusDatasourceAndAFileProvider() {
        JsonNode datasources = Repo.yaml("grafana/provisioning/datasources/prometheus.yml");
        assertThat(datasources.path("apiVersion").asInt()).isEqualTo(1);
        assertThat(datasources.path("datasources")).hasSize(1);
        JsonNode ds = datasources.path("datasources").get(0);
        assertThat(ds.path("type").asText()).isEqualTo("prometheus");
        assertThat(ds.path("uid").asText()).matches("[a-zA-Z0-9_-]{1,40}");
        assertThat(ds.path("url").asText()).startsWith("http");

        JsonNode providers = Repo.yaml("grafana/provisioning/dashboards/colmeia.yml");
        assertThat(providers.path("apiVersion").asInt()).isEqualTo(1);
        assertThat(providers.path("providers").get(0).path("type").asText()).isEqualTo("file");
        assertThat(providers.path("providers").get(0).path("options").path("path").asText()).isNotBlank();
    }

    @Test
    void everyDashboardIsStructurallyValidAndUsesTheProvisionedDatasource() {
        String uid = Repo.yaml("grafana/provisioning/datasources/prometheus.yml").path("datasources").get(0)
                .path("uid").asText();
        List<Path> files = Observability.dashboardFiles();
        Set<String> uids = new HashSet<>();
        Set<String> titles = new HashSet<>();
        for (Path file : files) {
            String name = file.getFileName().toString();
            JsonNode d = Observability.dashboard(file);
            assertThat(d.path("uid").asText()).as("%s uid", name).matches("[a-zA-Z0-9_-]{1,40}");
            assertThat(uids.add(d.path("uid").asText())).as("%s uid unique", name).isTrue();
            assertThat(titles.add(d.path("title").asText())).as("%s title unique", name).isTrue();
            assertThat(d.path("title").asText()).as("%s title", name).isNotBlank();
            assertThat(d.path("schemaVersion").isInt()).as("%s schemaVersion", name).isTrue();
            assertThat(d.path("schemaVersion").asInt()).as("%s schemaVersion", name).isBetween(30, 41);
            assertThat(d.path("id").isMissingNode() || d.path("id").isNull()).as("%s has no instance id", name).isTrue();
            assertThat(d.path("templating").path("list").isArray()).as("%s templating.list", name).isTrue();
            assertThat(d.path("time").path("from").asText()).as("%s time.from", name).isNotBlank();
            assertThat(d.path("panels").isArray() && d.path("panels").size() > 0).as("%s panels", name).isTrue();

            Set<Integer> ids = new HashSet<>();
            for (JsonNode panel : Observability.panels(d)) {
                String where = name + " panel '" + panel.path("title").asText() + "'";
                assertThat(panel.path("id").isInt()).as("%s id", where).isTrue();
                assertThat(ids.add(panel.path("id").asInt())).as("%s id unique", where).isTrue();
                assertThat(panel.path("type").asText()).as("%s type", where).isIn(PANEL_TYPES);
                assertThat(panel.path("title").asText()).as("%s title", where).isNotBlank();
                JsonNode grid = panel.path("gridPos");
                for (String field : List.of("h", "w", "x", "y")) {
                    assertThat(grid.path(field).isInt()).as("%s gridPos.%s", where, field).isTrue();
                }
                assertThat(grid.path("w").asInt()).as("%s width", where).isBetween(1, 24);
                assertThat(grid.path("x").asInt() + grid.path("w").asInt()).as("%s fits 24 columns", where)
                        .isLessThanOrEqualTo(24);
                if (panel.path("type").asText().equals("row") || panel.path("type").asText().equals("text")) {
                    continue;
                }
                assertThat(panel.path("datasource").path("type").asText()).as("%s datasource type", where)
                        .isEqualTo("prometheus");
                assertThat(panel.path("datasource").path("uid").asText()).as("%s datasource uid", where).isEqualTo(uid);
                assertThat(panel.path("targets").size()).as("%s targets", where).isPositive();
                Set<String> refIds = new HashSet<>();
                for (JsonNode target : panel.path("targets")) {
                    assertThat(refIds.add(target.path("refId").asText())).as("%s refId unique", where).isTrue();
                    assertThat(target.path("refId").asText()).as("%s refId", where).isNotBlank();
                    assertThat(target.path("expr").asText()).as("%s expr", where).isNotBlank();
                    if (target.has("datasource")) {
                        assertThat(target.path("datasource").path("uid").asText()).as("%s target datasource", where)
                                .isEqualTo(uid);
                    }
                }
            }
        }
        assertThat(uids).as("dashboards").contains("colmeia-overview", "colmeia-brokers", "colmeia-ingress",
                "colmeia-dns", "colmeia-persistence");
    }

    @Test
    void dashboardsQueryOnlyCataloguedMetricsAndFallBackToZeroOnlyForOnEventOnes() {
        Map<String, Observability.CatalogueEntry> catalogue = Observability.catalogue();
        Set<String> unknown = new TreeSet<>();
        Set<String> badFallbacks = new TreeSet<>();
        for (Observability.Query q : Observability.dashboardQueries()) {
            List<String> names = Observability.metricNames(q.expr());
            assertThat(names).as("%s names a metric", q.source()).isNotEmpty();
            for (String n : names) {
                if (!n.equals("up") && !catalogue.containsKey(Observability.family(n, catalogue))) {
                    unknown.add(n + " (" + q.source() + ")");
                }
            }
            // "or vector(0)" would hide a metric nobody exports: allowed only where the metric appears on its first event
            if (FALLBACK.matcher(q.expr()).find()) {
                boolean allOnEvent = names.stream().allMatch(n -> {
                    Observability.CatalogueEntry e = catalogue.get(Observability.family(n, catalogue));
                    return e != null && !e.always();
                });
                if (!allOnEvent) {
                    badFallbacks.add(q.source());
                }
            }
        }
        assertThat(unknown).as("metrics in dashboards that docs/metrics.md does not list").isEmpty();
        assertThat(badFallbacks).as("zero fallbacks on metrics that are always exposed").isEmpty();
    }

    @Test
    void theLocalScrapeConfigCoversEveryDefaultAddressAndLoadsTheAlerts() throws Exception {
        JsonNode config = Repo.yaml("deploy/prometheus/prometheus-local.yml");
        assertThat(DeploymentFiles.texts(config.path("rule_files"))).contains("alerts.yml");
        Set<String> targets = new TreeSet<>();
        for (JsonNode sc : config.path("scrape_configs").get(0).path("static_configs")) {
            sc.path("targets").forEach(t -> targets.add(t.asText()));
            assertThat(sc.path("labels").path("role").asText()).isIn("store", "broker", "ingress", "dns");
        }
        String doc = Files.readString(Repo.root().resolve("docs/local-cluster.md"));
        Set<String> documented = new TreeSet<>();
        var m = Pattern.compile("\\| `(127\\.0\\.\\d+\\.\\d+:9100)` \\|").matcher(doc);
        while (m.find()) {
            documented.add(m.group(1));
        }
        assertThat(documented).isNotEmpty();
        assertThat(targets).isEqualTo(documented);
    }
}

package io.colmeia.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The observability files of the repository, read as the tests need them: dashboards, alert rules, catalogue. */
final class Observability {

    /** A PromQL expression and where it comes from (dashboard and panel, or alert rule). */
    record Query(String source, String expr) {
    }

    /** One row of docs/metrics.md. */
    record CatalogueEntry(String section, String name, String type, String present) {
        boolean always() {
            return present.equals("always");
        }
    }

    private static final Pattern ROW = Pattern.compile(
            "^\\|\\s*`([a-z_:][a-z0-9_:]*)`\\s*\\|\\s*([a-z]+)\\s*\\|[^|]*\\|\\s*([a-z ]+?)\\s*\\|.*\\|\\s*$");
    /** Grafana's interval macros, replaced by what they mean at a 1 s scrape interval before a query is sent. */
    private static final Pattern INTERVAL_MACRO = Pattern.compile("\\$__(rate_)?interval|\\$__range");

    private Observability() {
    }

    static List<Path> dashboardFiles() {
        try (Stream<Path> files = Files.list(Repo.root().resolve("grafana/dashboards"))) {
            return files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode dashboard(Path file) {
        try {
            return Repo.JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every panel of a dashboard, including panels nested in rows. */
    static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> panels = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            panels.add(panel);
            panel.path("panels").forEach(panels::add);
        }
        return panels;
    }

    /** Every target expression of every dashboard panel (row panels have none). */
    static List<Query> dashboardQueries() {
        List<Query> queries = new ArrayList<>();
        for (Path file : dashboardFiles()) {
            for (JsonNode panel : panels(dashboard(file))) {
                for (JsonNode target : panel.path("targets")) {
                    queries.add(new Query(file.getFileName() + " / " + panel.path("title").asText() + " / "
                            + target.path("refId").asText(), target.path("expr").asText()));
                }
            }
        }
        return queries;
    }

    static List<Query> alertQueries() {
        List<Query> queries = new ArrayList<>();
        for (JsonNode group : Repo.yaml("deploy/prometheus/alerts.yml").path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                queries.add(new Query("alerts.yml / " + rule.path("alert").asText(), rule.path("expr").asText()));
            }
        }
        return queries;
    }

    /** An expression as Prometheus should evaluate it: Grafana macros replaced by a one-minute window. */
    static String promql(String expr) {
        return INTERVAL_MACRO.matcher(expr).replaceAll("1m");
    }

    /** docs/metrics.md, by metric name (first occurrence wins; a name listed twice is a test failure elsewhere). */
    static Map<String, CatalogueEntry> catalogue() {
        Map<String, CatalogueEntry> entries = new LinkedHashMap<>();
        String section = "";
        for (String line : Repo.read("docs/metrics.md").split("\n")) {
            if (line.startsWith("## ")) {
                section = line.substring(3).trim();
                continue;
            }
            Matcher m = ROW.matcher(line.trim());
            if (m.matches()) {
                CatalogueEntry entry = new CatalogueEntry(section, m.group(1), m.group(2), m.group(3));
                if (entries.putIfAbsent(entry.name(), entry) != null) {
                    throw new AssertionError("docs/metrics.md lists " + entry.name() + " twice");
                }
            }
        }
        return entries;
    }

    /** Names of metrics an expression refers to (identifiers followed by a selector, a range or an operator). */
    static List<String> metricNames(String expr) {
        List<String> names = new ArrayList<>();
        Matcher m = Pattern.compile("\\b((?:colmeia|com_hivemq|jvm|process|system)_[a-z0-9_]+|up)\\b").matcher(expr);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /**
     * The catalogue name a series name belongs to: itself, or the histogram/summary it is part of
     * ({@code _bucket}, {@code _count}, {@code _sum}, {@code _max}).
     */
    static String family(String series, Map<String, ?> known) {
        if (known.containsKey(series)) {
            return series;
        }
        for (String suffix : List.of("_bucket", "_count", "_sum", "_max")) {
            if (series.endsWith(suffix)) {
                String base = series.substring(0, series.length() - suffix.length());
                if (known.containsKey(base)) {
                    return base;
                }
            }
        }
        return series;
    }
}

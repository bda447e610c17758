package io.colmeia.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import io.colmeia.common.testing.MqttClients;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * The observability story against the real thing: a local cluster (colmeia up) with a little traffic, its
 * /metrics checked against docs/metrics.md, and the real Prometheus (Debian package) that {@code colmeia up
 * --observability} runs with its generated scrape config and the packaged alert rules, through which
 * every dashboard panel and alert rule expression is evaluated.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class PrometheusQueriesTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3))
            .version(HttpClient.Version.HTTP_1_1).build();
    private static final String PROMETHEUS = "prometheus";

    @TempDir
    static Path dir;

    private LocalCluster cluster;
    private JsonNode processes;
    private final List<MqttClient> clients = new ArrayList<>();
    private final boolean prometheusInstalled = Files.isExecutable(Path.of("/usr/bin/prometheus"));

    @BeforeAll
    void startClusterAndDriveTraffic() throws Exception {
        // a generous --ready-timeout: seven JVMs starting on a busy 2-core machine can take minutes
        List<String> args = new ArrayList<>(List.of("--heap", "256m", "--ready-timeout", "300s",
                "--broker-mqtt-port", "" + freePort(), "--ingress-mqtt-port", "" + freePort(),
                "--http-port", "" + freePort(), "--dns-port", "" + freePort(), "--cluster-port", "" + freePort(),
                "--store-port", "" + freePort(), "--broker-persistence", "memory"));
        if (prometheusInstalled) {
            // the Prometheus 'colmeia up --observability' runs: its generated scrape config and packaged alert rules
            args.addAll(List.of("--observability", "--prometheus-binary", "/usr/bin/prometheus",
                    "--prometheus-port", "" + freePort(), "--scrape-interval", "1s"));
        }
        cluster = LocalCluster.up(dir.resolve("cluster"), args.toArray(String[]::new));
        processes = cluster.processes();
        driveTraffic();
    }

    @AfterAll
    void stopCluster() {
        for (MqttClient client : clients) {
            try {
                client.disconnectForcibly(1000, 1000);
                client.close(true);
            } catch (Exception ignored) {
                // the cluster is going away anyway
            }
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Telemetry through both ingress nodes, a subscriber (so replicas forward to each other), DNS queries. */
    private void driveTraffic() throws Exception {
        List<String> ingress = cluster.addresses("ingress", "mqtt");
        MqttClient subscriber = connect(ingress.get(1), "obs-subscriber");
        subscriber.subscribe("no1/#", 1);
        for (int i = 0; i < 6; i++) {
            MqttClient device = connect(ingress.get(i % ingress.size()), "obs-device-" + i);
            for (int n = 0; n < 3; n++) {
                String payload = "{\"Mac\":\"AA:BB:CC:DD:EE:0" + i + "\",\"Temperatura\":" + (20 + n)
                        + ",\"Umidade\":55,\"Luminosidade\":300}";
                device.publish("no1/sala" + i + "/leitura", payload.getBytes(StandardCharsets.UTF_8), 1, false);
            }
            device.publish("no1/raw" + i, "not json".getBytes(StandardCharsets.UTF_8), 0, false);
        }
        String[] dns = cluster.addresses("dns", "dns").get(0).split(":");
        SimpleResolver resolver = new SimpleResolver(InetAddress.getByName(dns[0]));
        resolver.setPort(Integer.parseInt(dns[1]));
        resolver.setTimeout(Duration.ofSeconds(3));
        Message answer = resolver.send(Message.newQuery(Record.newRecord(
                Name.fromString("mqtt.colmeia.internal."), Type.A, DClass.IN)));
        assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
        Message refused = resolver.send(Message.newQuery(Record.newRecord(
                Name.fromString("example.org."), Type.A, DClass.IN)));
        assertThat(refused.getRcode()).isEqualTo(Rcode.REFUSED);
    }

    private MqttClient connect(String hostPort, String clientId) throws Exception {
        MqttClient client = MqttClients.connect(hostPort, clientId, true);
        clients.add(client);
        return client;
    }

    @Test
    void everyProcessExposesTheCatalogueAndNothingOutsideIt() throws Exception {
        Map<String, Observability.CatalogueEntry> catalogue = Observability.catalogue();
        assertThat(catalogue).hasSizeGreaterThan(50);
        Set<String> exposed = new TreeSet<>();
        Map<String, String> unlabelled = new TreeMap<>();
        for (JsonNode process : colmeiaProcesses()) {
            String id = process.path("id").asText();
            String text = get("http://" + process.path("http").asText() + "/metrics").body();
            for (String line : text.split("\n")) {
                if (line.startsWith("# TYPE ")) {
                    exposed.add(line.split(" ")[2]);
                } else if (!line.startsWith("#") && !line.isBlank() && !line.contains("node=\"" + id + "\"")) {
                    unlabelled.put(line.split("[{ ]")[0], id);
                }
            }
        }
        assertThat(unlabelled).as("series without node=\"<id>\"").isEmpty();

        Set<String> missing = new TreeSet<>();
        catalogue.values().stream().filter(Observability.CatalogueEntry::always).map(Observability.CatalogueEntry::name)
                .filter(name -> !exposed.contains(name)).forEach(missing::add);
        assertThat(missing).as("docs/metrics.md says 'always' but no process exposes them").isEmpty();

        Set<String> undocumented = new TreeSet<>();
        exposed.stream().filter(name -> name.startsWith("colmeia_"))
                .filter(name -> !catalogue.containsKey(Observability.family(name, catalogue)))
                .forEach(undocumented::add);
        assertThat(undocumented).as("colmeia_* families exposed but missing from docs/metrics.md").isEmpty();

        // 'on event' metrics are not exposed until their event: the code must at least register them by name
        String sources = mainSources();
        Set<String> unregistered = new TreeSet<>();
        catalogue.values().stream().filter(e -> !e.always() && e.name().startsWith("colmeia_"))
                .map(Observability.CatalogueEntry::name)
                .filter(name -> !exposed.contains(name) && !sources.contains("\"" + name + "\""))
                .forEach(unregistered::add);
        assertThat(unregistered).as("catalogue names no code registers").isEmpty();
    }

    @Test
    void everyDashboardPanelAndAlertRuleEvaluatesInARealPrometheus() throws Exception {
        Assumptions.assumeTrue(prometheusInstalled,
                "Prometheus is not installed (/usr/bin/prometheus; Debian: apt-get install -y prometheus)");
        String api = "http://" + cluster.addresses(PROMETHEUS, "http").get(0);
        Path log = Path.of(cluster.addresses(PROMETHEUS, "log").get(0));
        int targets = colmeiaProcesses().size();
        // every process scraped, and enough samples after the traffic for rate() windows
        await("every process scraped", Duration.ofSeconds(20), log,
                () -> query(api, "count(up{job=\"colmeia\"} == 1)").path("result").path(0).path("value").path(1)
                        .asText("0").equals("" + targets));
        Thread.sleep(3000);

        // alert rules: Prometheus loaded the repository's alerts.yml; every rule evaluates without error
        Map<String, String> ruleHealth = new LinkedHashMap<>();
        await("rules evaluated", Duration.ofSeconds(10), log, () -> {
            ruleHealth.clear();
            for (JsonNode group : getJson(api + "/api/v1/rules").path("data").path("groups")) {
                for (JsonNode rule : group.path("rules")) {
                    ruleHealth.put(rule.path("name").asText(), rule.path("health").asText()
                            + " " + rule.path("lastError").asText());
                }
            }
            return ruleHealth.size() == Observability.alertQueries().size()
                    && ruleHealth.values().stream().allMatch(h -> h.startsWith("ok"));
        });
        for (Observability.Query q : Observability.alertQueries()) {
            JsonNode response = queryResponse(api, q.expr());
            assertThat(response.path("status").asText()).as("%s: %s -> %s", q.source(), q.expr(), response)
                    .isEqualTo("success");
        }

        // dashboards: every panel expression parses and returns data
        List<Observability.Query> panels = Observability.dashboardQueries();
        assertThat(panels).hasSizeGreaterThan(20);
        Map<String, String> empty = new LinkedHashMap<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        do {
            empty.clear();
            for (Observability.Query q : panels) {
                JsonNode response = queryResponse(api, Observability.promql(q.expr()));
                assertThat(response.path("status").asText()).as("%s: %s -> %s", q.source(), q.expr(), response)
                        .isEqualTo("success");
                if (response.path("data").path("result").isEmpty()) {
                    empty.put(q.source(), q.expr());
                }
            }
            if (!empty.isEmpty()) {
                Thread.sleep(1000);
            }
        } while (!empty.isEmpty() && System.nanoTime() < deadline);
        assertThat(empty).as("dashboard panels returning no data").isEmpty();
    }

    /** The cluster's own processes: everything but the Prometheus scraping them. */
    private List<JsonNode> colmeiaProcesses() {
        List<JsonNode> result = new ArrayList<>();
        processes.forEach(p -> {
            if (!p.path("role").asText().equals(PROMETHEUS)) {
                result.add(p);
            }
        });
        return result;
    }

    private JsonNode query(String api, String promql) throws IOException, InterruptedException {
        JsonNode response = queryResponse(api, promql);
        assertThat(response.path("status").asText()).as("%s -> %s", promql, response).isEqualTo("success");
        return response.path("data");
    }

    private JsonNode queryResponse(String api, String promql) throws IOException, InterruptedException {
        return getJson(api + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    }

    private static JsonNode getJson(String url) throws IOException, InterruptedException {
        return Repo.JSON.readTree(get(url).body());
    }

    private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void await(String what, Duration timeout, Path log, Condition condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (condition.holds()) {
                    return;
                }
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(250);
        }
        String tail = Files.exists(log) ? String.join("\n", Files.readAllLines(log).stream()
                .skip(Math.max(0, Files.readAllLines(log).size() - 20)).toList()) : "";
        fail("timed out waiting for " + what + (last == null ? "" : " (" + last + ")") + "\nprometheus log:\n" + tail);
    }

    private static String mainSources() throws IOException {
        StringBuilder all = new StringBuilder();
        try (var files = Files.walk(Repo.root())) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java") && p.toString().contains("/src/main/java/")
                    && !p.toString().contains("/target/")).toList()) {
                all.append(Files.readString(f));
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return all.toString();
    }

    /** A port free on every loopback address the cluster uses (Linux: binding the wildcard covers them all). */
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}

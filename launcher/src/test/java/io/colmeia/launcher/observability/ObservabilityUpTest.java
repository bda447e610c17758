package io.colmeia.launcher.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.colmeia.common.config.EnvironmentDefaults;
import io.colmeia.common.testing.FreePorts;
import io.colmeia.launcher.Colmeia;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * colmeia up --observability: a real Prometheus (Debian package) as one more supervised process of the local
 * cluster.
 */
class ObservabilityUpTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
            .version(HttpClient.Version.HTTP_1_1).build();
    private static final String[] CLUSTER_ADDRESSES = {"127.0.1.1", "127.0.2.1", "127.0.3.1", "127.0.4.1"};

    @TempDir
    Path dir;

    private final List<Long> pidsToReap = new ArrayList<>();

    private record Outcome(int exitCode, String out, String err) {
    }

    private Outcome colmeia(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Colmeia.commandLine(new EnvironmentDefaults(Map.of()));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return new Outcome(cli.execute(args), out.toString(), err.toString());
    }

    @AfterEach
    void stopEverything() {
        colmeia("down", "--dir", dir.toString(), "--timeout", "10s");
        pidsToReap.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    }

    private List<String> smallCluster(int prometheusPort) {
        int port = FreePorts.onAll(CLUSTER_ADDRESSES);
        return new ArrayList<>(List.of("up", "--detach", "--dir", dir.toString(), "--brokers", "1", "--ingress", "1",
                "--broker-mqtt-port", "" + port, "--ingress-mqtt-port", "" + port,
                "--http-port", "" + FreePorts.onAll(CLUSTER_ADDRESSES),
                "--dns-port", "" + FreePorts.onAll(CLUSTER_ADDRESSES),
                "--cluster-port", "" + FreePorts.onAll(CLUSTER_ADDRESSES),
                "--store-port", "" + FreePorts.onAll(CLUSTER_ADDRESSES), "--broker-persistence", "memory",
                "--heap", "256m", "--ready-timeout", "300s",
                "--observability", "--prometheus-port", "" + prometheusPort, "--scrape-interval", "1s"));
    }

    @Test
    void prometheusScrapesEveryProcessShowsInStatusAndStopsWithDown() throws Exception {
        Assumptions.assumeTrue(LocalPrometheus.locate("prometheus", System.getenv("PATH")).isPresent(),
                "Prometheus is not installed (Debian: apt-get install -y prometheus): --observability not run");
        int prometheusPort = FreePorts.onAll(LocalPrometheus.ADDRESS);
        Outcome up = colmeia(smallCluster(prometheusPort).toArray(String[]::new));
        Outcome statusOutcome = colmeia("status", "--json", "--dir", dir.toString());
        JsonNode status = JSON.readTree(statusOutcome.out());
        status.get("processes").forEach(p -> pidsToReap.add(p.get("pid").asLong()));
        assertThat(up.exitCode()).as(up.out() + up.err()).isZero();
        assertThat(up.out()).contains("prometheus: http://" + LocalPrometheus.ADDRESS + ":" + prometheusPort);
        assertThat(statusOutcome.exitCode()).as("every process ready, Prometheus too").isZero();

        // Prometheus is one more process in the status contract
        Map<String, String> roleByTarget = new HashMap<>();
        JsonNode prometheus = null;
        for (JsonNode p : status.get("processes")) {
            if (p.get("role").asText().equals(LocalPrometheus.ROLE)) {
                prometheus = p;
            } else {
                roleByTarget.put(p.get("http").asText(), p.get("role").asText());
            }
        }
        assertThat(roleByTarget.values()).containsExactlyInAnyOrder("store", "broker", "ingress", "dns");
        assertThat(prometheus).as("prometheus in status --json").isNotNull();
        assertThat(prometheus.get("ready").asBoolean()).isTrue();
        String api = "http://" + prometheus.get("http").asText();
        assertThat(prometheus.get("http").asText()).isEqualTo(LocalPrometheus.ADDRESS + ":" + prometheusPort);
        assertThat(dir.resolve("prometheus/prometheus.yml")).isRegularFile();

        // every process is a healthy target of job colmeia with its role; Prometheus scrapes itself too
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            Map<String, String> health = new HashMap<>();
            Map<String, String> roles = new HashMap<>();
            for (JsonNode t : getJson(api + "/api/v1/targets").path("data").path("activeTargets")) {
                String job = t.path("labels").path("job").asText();
                String instance = t.path("labels").path("instance").asText();
                health.put(job + "/" + instance, t.path("health").asText() + " " + t.path("lastError").asText());
                if (job.equals("colmeia")) {
                    roles.put(instance, t.path("labels").path("role").asText());
                }
            }
            assertThat(roles).isEqualTo(roleByTarget);
            assertThat(health).hasSize(roleByTarget.size() + 1)
                    .containsEntry("prometheus/" + LocalPrometheus.ADDRESS + ":" + prometheusPort, "up ");
            assertThat(health.values()).allMatch(h -> h.startsWith("up"), "every target up: " + health);
        });
        // the repository's alert rules are loaded and evaluate
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            List<String> rules = new ArrayList<>();
            for (JsonNode group : getJson(api + "/api/v1/rules").path("data").path("groups")) {
                group.path("rules").forEach(r -> rules.add(r.path("name").asText() + ":" + r.path("health").asText()));
            }
            assertThat(rules).contains("ColmeiaProcessDown:ok", "ColmeiaIngressNoHealthyReplica:ok")
                    .allMatch(r -> r.endsWith(":ok"));
        });

        // supervision restarts a Prometheus that dies, like any other process, and it gets ready again
        long firstPid = prometheus.get("pid").asLong();
        ProcessHandle.of(firstPid).orElseThrow().destroyForcibly();
        JsonNode[] restarted = new JsonNode[1];
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            JsonNode now = null;
            for (JsonNode p : JSON.readTree(colmeia("status", "--json", "--dir", dir.toString()).out())
                    .get("processes")) {
                if (p.get("role").asText().equals(LocalPrometheus.ROLE)) {
                    now = p;
                }
            }
            assertThat(now).as("prometheus still in status").isNotNull();
            assertThat(now.get("restarts").asInt()).isEqualTo(1);
            assertThat(now.get("lastExitCode").asInt()).isEqualTo(137);
            assertThat(now.get("ready").asBoolean()).as("ready again on /-/ready").isTrue();
            restarted[0] = now;
        });
        long secondPid = restarted[0].get("pid").asLong();
        pidsToReap.add(secondPid);
        assertThat(secondPid).isNotEqualTo(firstPid);
        assertThat(Files.readString(dir.resolve("logs/supervisor.log")))
                .contains("prometheus (pid " + firstPid + ") exited with code 137 (SIGKILL)", "restarted prometheus");

        // down stops the supervisor, then Prometheus with the cluster, and frees its port
        Outcome down = colmeia("down", "--dir", dir.toString());
        assertThat(down.exitCode()).isZero();
        // the supervisor stops its processes itself when down stops it (SIGTERM), and logs each one
        assertThat(down.out()).contains("stopping the supervisor");
        assertThat(Files.readString(dir.resolve("logs/supervisor.log")))
                .contains("stopping prometheus (pid " + secondPid + ")");
        for (long pid : pidsToReap) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                    .as("pid " + pid + " stopped").isFalse();
        }
        assertThat(listening(LocalPrometheus.ADDRESS, prometheusPort)).isFalse();
        for (String target : roleByTarget.keySet()) {
            String[] hostPort = target.split(":");
            assertThat(listening(hostPort[0], Integer.parseInt(hostPort[1]))).as(target).isFalse();
        }
        assertThat(dir.resolve("run/cluster.json")).doesNotExist();
    }

    @Test
    void observabilityWithoutPrometheusInstalledFailsBeforeStartingAnything() {
        List<String> args = smallCluster(FreePorts.onAll(LocalPrometheus.ADDRESS));
        args.addAll(List.of("--prometheus-binary", dir.resolve("no-such/prometheus").toString()));
        Outcome up = colmeia(args.toArray(String[]::new));
        assertThat(up.exitCode()).isEqualTo(2);
        assertThat(up.err()).contains("--prometheus-binary", "apt-get install -y prometheus",
                "without --observability");
        assertThat(dir.resolve("run/cluster.json")).doesNotExist();
        assertThat(dir.resolve("logs")).doesNotExist();
    }

    @Test
    void observabilityRefusesAPrometheusAddressInUse() throws Exception {
        Path fake = Files.createFile(dir.resolve("prometheus"));
        assertThat(fake.toFile().setExecutable(true)).isTrue();
        try (ServerSocket squatter = new ServerSocket()) {
            squatter.bind(new InetSocketAddress(LocalPrometheus.ADDRESS, 0));
            List<String> args = smallCluster(squatter.getLocalPort());
            args.addAll(List.of("--prometheus-binary", fake.toString()));
            Outcome up = colmeia(args.toArray(String[]::new));
            assertThat(up.exitCode()).isEqualTo(2);
            assertThat(up.err()).contains("--prometheus-port", "cannot listen on " + LocalPrometheus.ADDRESS + ":"
                    + squatter.getLocalPort());
        }
        assertThat(dir.resolve("run/cluster.json")).doesNotExist();
    }

    private static JsonNode getJson(String url) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }

    private static boolean listening(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}

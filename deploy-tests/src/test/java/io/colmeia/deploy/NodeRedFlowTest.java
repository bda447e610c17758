package io.colmeia.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.colmeia.common.testing.FreePorts;
import io.colmeia.common.testing.MqttClients;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example Node-RED flow (deploy/node-red/flows.json with its settings.js) run by the pinned Node-RED from
 * npm against a local cluster: ESP8266 readings published through an ingress node arrive in the flow, mapped
 * to readings, and a payload that is not JSON is counted. Node-RED resolves names with the system resolver
 * (port 53 only), so here it gets the ingress address; deployments give it the cluster's DNS name.
 */
@Timeout(value = 420, unit = TimeUnit.SECONDS)
class NodeRedFlowTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3))
            // HTTP/1.1: an h2c upgrade request goes to Node-RED's websocket handler and never gets an answer
            .version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    Path dir;

    @Test
    void readingsPublishedThroughTheIngressArriveInTheFlow() throws Exception {
        Path redJs = installedNodeRed();
        Path node = onPath("node").orElseThrow();
        Path userDir = Files.createDirectories(dir.resolve("node-red"));
        Files.copy(Repo.file("deploy/node-red/flows.json"), userDir.resolve("flows.json"));
        // as deployed: the broker config node's credentials from the environment and a password file (a local
        // cluster without a users file admits any username on loopback; the stack's brokers check it)
        Files.copy(Repo.file("deploy/node-red/flows_cred.json"), userDir.resolve("flows_cred.json"));
        Path passwordFile = Files.writeString(dir.resolve("nodered-password"), "a-long-enough-password\n");
        int nodeRedPort = FreePorts.onAll("127.0.0.1");
        Path log = dir.resolve("node-red.log");

        try (LocalCluster cluster = LocalCluster.up(dir.resolve("cluster"), "--brokers", "1", "--ingress", "1",
                "--no-dns", "--no-store", "--heap", "256m", "--broker-persistence", "memory",
                "--ready-timeout", "300s",
                "--broker-mqtt-port", "" + FreePorts.onAll("127.0.1.1", "127.0.2.1"),
                "--ingress-mqtt-port", "" + FreePorts.onAll("127.0.2.1"),
                "--http-port", "" + FreePorts.onAll("127.0.1.1", "127.0.2.1"))) {
            String[] ingress = cluster.addresses("ingress", "mqtt").get(0).split(":");
            ProcessBuilder builder = new ProcessBuilder(node.toString(), redJs.toString(),
                    "--settings", Repo.file("deploy/node-red/settings.js").toString(), "--userDir", userDir.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().put("MQTT_HOST", ingress[0]);
            builder.environment().put("MQTT_PORT", ingress[1]);
            builder.environment().put("MQTT_TOPIC", "no1/#");
            builder.environment().put("MQTT_CLIENT_ID", "node-red-test");
            builder.environment().put("MQTT_USERNAME", "nodered");
            builder.environment().put("MQTT_PASSWORD_FILE", passwordFile.toString());
            builder.environment().put("NODE_RED_HOST", "127.0.0.1");
            builder.environment().put("NODE_RED_PORT", "" + nodeRedPort);
            Process nodeRed = builder.start();
            MqttClient device = null;
            try {
                String readings = "http://127.0.0.1:" + nodeRedPort + "/colmeia/readings";
                await("Node-RED serving the flow", Duration.ofSeconds(60), nodeRed, log,
                        () -> get(readings).statusCode() == 200);
                // the flow running is the repository's: the admin API lists its nodes
                JsonNode flows = Repo.JSON.readTree(get("http://127.0.0.1:" + nodeRedPort + "/flows").body());
                assertThat(flows.findValuesAsText("id")).contains("colmeia-broker", "colmeia-in", "colmeia-reading");
                // and it loaded the broker's credentials (Node-RED substitutes the variables when the node starts)
                JsonNode credentials = Repo.JSON.readTree(
                        get("http://127.0.0.1:" + nodeRedPort + "/credentials/mqtt-broker/colmeia-broker").body());
                assertThat(credentials.path("user").asText()).isEqualTo("${MQTT_USERNAME}");
                assertThat(credentials.path("has_password").asBoolean()).isTrue();

                device = MqttClients.connect(ingress[0] + ":" + ingress[1], "node-red-test-device", true);
                // Node-RED subscribes once its MQTT connection is up: publish until a reading arrives
                MqttClient publisher = device;
                int[] sent = {0};
                await("a reading in the flow", Duration.ofSeconds(40), nodeRed, log, () -> {
                    sent[0]++;
                    String payload = "{\"Mac\":\"A0:20:A6:15:F5:B5\",\"Data\":\"1511400053\",\"Temperatura\":"
                            + (20 + sent[0]) + ".5,\"Umidade\":32.00,\"Luminosidade\":847}";
                    publisher.publish("no1/sala/leitura", payload.getBytes(StandardCharsets.UTF_8), 1, false);
                    Thread.sleep(500);
                    return readingsOf(readings).path("received").asInt() > 0;
                });
                JsonNode reading = readingsOf(readings).path("readings").path(0);
                assertThat(reading.path("topic").asText()).isEqualTo("no1/sala/leitura");
                assertThat(reading.path("device").asText()).isEqualTo("A0:20:A6:15:F5:B5");
                assertThat(reading.path("deviceTime").asText()).isEqualTo("1511400053");
                assertThat(reading.path("temperature").asDouble()).isBetween(21.5, 20.5 + sent[0]);
                assertThat(reading.path("temperature").asDouble() % 1).isEqualTo(0.5);
                assertThat(reading.path("humidity").asDouble()).isEqualTo(32.0);
                assertThat(reading.path("luminosity").asDouble()).isEqualTo(847.0);

                // a payload that is not JSON, or JSON that is not an object, is counted, not turned into a reading
                int before = readingsOf(readings).path("received").asInt();
                device.publish("no1/sala/raw", "not json".getBytes(StandardCharsets.UTF_8), 1, false);
                device.publish("no1/sala/raw", "[1,2]".getBytes(StandardCharsets.UTF_8), 1, false);
                await("the rejected payloads counted", Duration.ofSeconds(15), nodeRed, log,
                        () -> readingsOf(readings).path("rejected").asInt() == 2);
                assertThat(readingsOf(readings).path("received").asInt()).isGreaterThanOrEqualTo(before);
                assertThat(readingsOf(readings).path("readings").findValuesAsText("topic"))
                        .doesNotContain("no1/sala/raw");
            } finally {
                if (device != null) {
                    MqttClients.closeQuietly(device);
                }
                stop(nodeRed);
            }
        }
    }

    /** red.js of the pinned Node-RED, or the test is skipped saying how to install it. */
    private static Path installedNodeRed() throws IOException {
        Assumptions.assumeTrue(onPath("node").isPresent(),
                "node is not installed (Debian: apt-get install -y nodejs npm): Node-RED flow not run");
        String pinned = Repo.JSON.readTree(Repo.file("deploy/node-red/package.json").toFile())
                .path("dependencies").path("node-red").asText();
        String configured = System.getenv("COLMEIA_NODE_RED_HOME");
        Path home = configured != null && !configured.isBlank() ? Path.of(configured)
                : Path.of(System.getProperty("user.home"), ".cache", "colmeia", "node-red");
        Path module = home.resolve("node_modules/node-red");
        Path packageJson = module.resolve("package.json");
        String installed = Files.isRegularFile(packageJson)
                ? Repo.JSON.readTree(packageJson.toFile()).path("version").asText() : "none";
        Assumptions.assumeTrue(installed.equals(pinned), "Node-RED " + pinned + " is not installed in " + home
                + " (found: " + installed + "); run deploy/node-red/install.sh (.ci/run does) to run this test");
        return module.resolve("red.js");
    }

    private static JsonNode readingsOf(String url) throws IOException, InterruptedException {
        HttpResponse<String> response = get(url);
        assertThat(response.statusCode()).as("GET %s: %s", url, response.body()).isEqualTo(200);
        return Repo.JSON.readTree(response.body());
    }

    private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    /** Polls until the condition holds; fails early when Node-RED has exited, showing its log either way. */
    private static void await(String what, Duration timeout, Process nodeRed, Path log, Condition condition)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline && nodeRed.isAlive()) {
            try {
                if (condition.holds()) {
                    return;
                }
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(250);
        }
        List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
        fail((nodeRed.isAlive() ? "timed out waiting for " : "Node-RED exited while waiting for ") + what
                + (last == null ? "" : " (" + last + ")") + "\nnode-red log:\n"
                + String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size())));
    }

    private static void stop(Process process) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    private static Optional<Path> onPath(String program) {
        for (String path : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!path.isEmpty() && Files.isExecutable(Path.of(path, program))) {
                return Optional.of(Path.of(path, program));
            }
        }
        return Optional.empty();
    }
}

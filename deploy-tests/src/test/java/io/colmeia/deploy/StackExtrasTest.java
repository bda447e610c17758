package io.colmeia.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.colmeia.launcher.local.ClusterState;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The files the Swarm stack mounts besides its own: the Node-RED flow and the MongoDB init script. */
class StackExtrasTest {

    @Test
    void nodeRedFlowSubscribesThroughTheIngressOfTheStack() throws Exception {
        JsonNode flows = Repo.JSON.readTree(Repo.file("deploy/node-red/flows.json").toFile());
        assertThat(flows.isArray()).isTrue();
        Map<String, JsonNode> byId = new HashMap<>();
        flows.forEach(node -> byId.put(node.path("id").asText(), node));
        Workload ingress = DeploymentFiles.swarmWorkloads().stream()
                .filter(w -> "ingress".equals(w.subcommand())).findFirst().orElseThrow();
        int mqtt = ColmeiaSpec.port("ingress", ingress.environment(), "--mqtt");
        JsonNode nodeRed = DeploymentFiles.swarmServices().get("node-red");
        assertThat(nodeRed).as("swarm service node-red").isNotNull();
        JsonNode environment = nodeRed.path("environment");
        int subscriptions = 0;
        for (JsonNode node : flows) {
            for (JsonNode wires : node.path("wires")) {
                for (JsonNode target : wires) {
                    assertThat(byId).as("node %s wired to %s", node.path("id").asText(), target.asText())
                            .containsKey(target.asText());
                }
            }
            if (node.path("type").asText().equals("mqtt in")) {
                subscriptions++;
                JsonNode broker = byId.get(node.path("broker").asText());
                assertThat(broker).as("mqtt-broker config of %s", node.path("id").asText()).isNotNull();
                // the flow takes the broker from the environment (settings.js defaults, the stack sets them)
                assertThat(broker.path("broker").asText()).isEqualTo("${MQTT_HOST}");
                assertThat(broker.path("port").asText()).isEqualTo("${MQTT_PORT}");
                assertThat(environment.path("MQTT_HOST").asText()).isEqualTo("tasks." + ingress.name());
                assertThat(environment.path("MQTT_PORT").asInt()).isEqualTo(mqtt);
            }
        }
        assertThat(subscriptions).isPositive();
        // outside the stack the defaults are the cluster's DNS name and the ingress port
        String settings = Repo.read("deploy/node-red/settings.js");
        assertThat(settings).contains("process.env.MQTT_HOST || \"" + ClusterState.SERVICE_NAME + "\"")
                .contains("process.env.MQTT_PORT || \"" + mqtt + "\"");
    }

    @Test
    void nodeRedLogsInAsASubscriberWithCredentialsFromTheEnvironmentAndASecret() throws Exception {
        // the broker config node's credentials only name environment variables: no secret in the repository
        JsonNode credentials = Repo.JSON.readTree(Repo.file("deploy/node-red/flows_cred.json").toFile());
        JsonNode flows = Repo.JSON.readTree(Repo.file("deploy/node-red/flows.json").toFile());
        List<String> brokers = new ArrayList<>();
        flows.forEach(node -> {
            if (node.path("type").asText().equals("mqtt-broker")) {
                brokers.add(node.path("id").asText());
            }
        });
        assertThat(brokers).isNotEmpty();
        assertThat(credentials.size()).isEqualTo(brokers.size());
        for (String id : brokers) {
            assertThat(credentials.path(id).path("user").asText()).as("user of %s", id).isEqualTo("${MQTT_USERNAME}");
            assertThat(credentials.path(id).path("password").asText()).as("password of %s", id)
                    .isEqualTo("${MQTT_PASSWORD}");
        }
        // plain credentials file: readable only without a credentialSecret
        String settings = Repo.read("deploy/node-red/settings.js");
        assertThat(settings).contains("credentialSecret: false").contains("process.env.MQTT_PASSWORD_FILE");

        JsonNode nodeRed = DeploymentFiles.swarmServices().get("node-red");
        assertThat(nodeRed.path("environment").path("MQTT_USERNAME").asText()).isNotBlank();
        String passwordFile = nodeRed.path("environment").path("MQTT_PASSWORD_FILE").asText();
        assertThat(passwordFile).startsWith("/run/secrets/");
        String secret = SwarmStackWiringTest.secretMountedAt("node-red", passwordFile.substring("/run/secrets/".length()));
        assertThat(DeploymentFiles.stack().path("secrets").path(secret).path("external").asBoolean()).isTrue();
        Map<String, String> mounted = new HashMap<>();
        for (JsonNode config : nodeRed.path("configs")) {
            String file = DeploymentFiles.stack().path("configs").path(config.path("source").asText()).path("file").asText();
            mounted.put(config.path("target").asText(), Path.of(file).getFileName().toString());
        }
        assertThat(mounted).containsEntry("/data/flows.json", "flows.json")
                .containsEntry("/data/flows_cred.json", "flows_cred.json")
                .containsEntry("/data/settings.js", "settings.js");
        // settings.js listens on loopback by default: the published editor needs the container's addresses
        assertThat(nodeRed.path("environment").path("NODE_RED_HOST").asText()).isEqualTo("0.0.0.0");
    }

    @Test
    void mongoInitScriptIsValidJavaScript() throws Exception {
        checkSyntax("deploy/mongo/mongo-init.js");
    }

    @Test
    void nodeRedSettingsAreValidJavaScript() throws Exception {
        checkSyntax("deploy/node-red/settings.js");
    }

    private static void checkSyntax(String script) throws Exception {
        Optional<Path> node = onPath("node");
        assumeTrue(node.isPresent(), "node is not installed: cannot syntax-check " + script);
        Path log = Files.createTempFile("node-check", ".txt");
        try {
            Process process = new ProcessBuilder(node.get().toString(), "--check",
                    Repo.file(script).toString())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                throw new AssertionError("node --check did not finish in 30 s");
            }
            assertThat(process.exitValue()).as("node --check: %s", Files.readString(log)).isZero();
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static Optional<Path> onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return Optional.of(Path.of(dir, program));
            }
        }
        return Optional.empty();
    }
}

package io.colmeia.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.colmeia.launcher.local.ClusterState;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
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

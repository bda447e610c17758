package io.colmeia.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code docker stack config} (the Docker CLI, no engine needed) accepts the stack. */
class SwarmStackConfigTest {

    @Test
    void dockerStackConfigAcceptsTheStack() throws Exception {
        Result result = stackConfig(Repo.file(DeploymentFiles.STACK));
        assertThat(result.exitCode()).as("docker stack config output:%n%s", result.output()).isZero();
        // the resolved stack keeps the services and the colmeia image (variables replaced by defaults)
        var resolved = Repo.YAML.readTree(result.output());
        assertThat(resolved.path("services").fieldNames()).toIterable()
                .containsAll(DeploymentFiles.swarmServices().keySet());
        String image = DeploymentFiles.swarmWorkloads().get(0).image();
        assertThat(resolved.path("services").path(DeploymentFiles.swarmWorkloads().get(0).name()).path("image").asText())
                .isEqualTo(image);
    }

    @Test
    void dockerStackConfigRejectsAnInvalidStack(@TempDir Path dir) throws Exception {
        // proves the check above can fail: a misspelt deploy key is an error
        Path bad = dir.resolve("bad-stack.yml");
        Files.writeString(bad, Repo.read(DeploymentFiles.STACK).replace("endpoint_mode: dnsrr", "endpoint_mod: dnsrr"));
        Result result = stackConfig(bad);
        assertThat(result.exitCode()).as("docker stack config output:%n%s", result.output()).isNotZero();
        assertThat(result.output()).contains("endpoint_mod");
    }

    private record Result(int exitCode, String output) {
    }

    private static Result stackConfig(Path file) throws IOException, InterruptedException {
        assumeTrue(dockerCliPresent(), "the docker CLI is not installed: cannot run 'docker stack config'"
                + " (no Docker engine is needed for it; install the docker CLI to run this check)");
        Path log = Files.createTempFile("docker-stack-config", ".txt");
        ProcessBuilder builder = new ProcessBuilder(List.of("docker", "stack", "config", "-c", file.toString()))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        // the defaults in the file, not whatever the developer's shell sets
        builder.environment().keySet().removeIf(k -> List.of("IMAGE", "INGRESS_DNS", "MQTT_ZONE").contains(k));
        try {
            Process process = builder.start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("docker stack config did not finish in 60 s");
            }
            return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static boolean dockerCliPresent() {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "docker"))) {
                return true;
            }
        }
        return false;
    }
}

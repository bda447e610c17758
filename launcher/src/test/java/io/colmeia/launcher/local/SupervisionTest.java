package io.colmeia.launcher.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.colmeia.common.config.EnvironmentDefaults;
import io.colmeia.common.testing.FreePorts;
import io.colmeia.launcher.Colmeia;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Supervision of the local cluster: a killed process comes back, status shows it, down leaves nothing. */
class SupervisionTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final List<Long> pidsToReap = new ArrayList<>();
    private Process foreground;

    private record Outcome(int exitCode, String out, String err) {
    }

    private Outcome colmeia(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Colmeia.commandLine(new EnvironmentDefaults(Map.of()));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Outcome(code, out.toString(), err.toString());
    }

    @AfterEach
    void stopEverything() {
        colmeia("down", "--dir", dir.toString(), "--timeout", "10s");
        if (foreground != null) {
            foreground.destroyForcibly();
        }
        for (long pid : pidsToReap) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    private String[] oneReplica(boolean detach, int mqttPort, int httpPort) {
        List<String> args = new ArrayList<>(List.of("up", "--dir", dir.toString(), "--brokers", "1", "--ingress", "0",
                "--no-dns", "--no-store", "--broker-persistence", "memory", "--broker-mqtt-port", "" + mqttPort,
                "--http-port", "" + httpPort, "--restart-delay", "200ms"));
        if (detach) {
            args.add("--detach");
        }
        return args.toArray(String[]::new);
    }

    private JsonNode status() throws IOException {
        return JSON.readTree(colmeia("status", "--json", "--dir", dir.toString()).out());
    }

    @Test
    void detachedClusterRestartsAKilledProcessAndDownStopsSupervisorAndProcesses() throws Exception {
        int mqttPort = FreePorts.onAll("127.0.1.1");
        int httpPort = FreePorts.onAll("127.0.1.1");
        Outcome up = colmeia(oneReplica(true, mqttPort, httpPort));
        long supervisor = JSON.readTree(Files.readString(dir.resolve("run").resolve("cluster.json")))
                .get("launcherPid").asLong();
        pidsToReap.add(supervisor);
        assertThat(up.exitCode()).as(up.out() + up.err()).isZero();
        assertThat(up.out()).contains("started broker-1", "under supervision");
        assertThat(supervisor).isNotEqualTo(ProcessHandle.current().pid());
        assertThat(ProcessHandle.of(supervisor)).isPresent();

        JsonNode broker = status().get("processes").get(0);
        long first = broker.get("pid").asLong();
        pidsToReap.add(first);
        assertThat(broker.get("restarts").asInt()).isZero();
        ProcessHandle.of(first).orElseThrow().destroyForcibly();

        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            JsonNode p = status().get("processes").get(0);
            assertThat(p.get("pid").asLong()).isNotEqualTo(first);
            assertThat(p.get("restarts").asInt()).isEqualTo(1);
            assertThat(p.get("lastExitCode").asInt()).isEqualTo(137);
            assertThat(p.get("ready").asBoolean()).isTrue();
        });
        long second = status().get("processes").get(0).get("pid").asLong();
        pidsToReap.add(second);
        assertThat(colmeia("status", "--dir", dir.toString()).out()).contains("1 (last exit 137)");
        assertThat(Files.readString(dir.resolve("logs").resolve("supervisor.log")))
                .contains("broker-1 (pid " + first + ") exited with code 137 (SIGKILL)", "restarted broker-1");

        Outcome down = colmeia("down", "--dir", dir.toString());
        assertThat(down.exitCode()).isZero();
        for (long pid : new long[] {supervisor, first, second}) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("pid " + pid).isFalse();
        }
        assertThat(listening("127.0.1.1", mqttPort)).isFalse();
        assertThat(listening("127.0.1.1", httpPort)).isFalse();
        assertThat(dir.resolve("run").resolve("cluster.json")).doesNotExist();
    }

    @Test
    void foregroundUpRestartsAKilledProcessAndDownStopsIt() throws Exception {
        int mqttPort = FreePorts.onAll("127.0.1.1");
        int httpPort = FreePorts.onAll("127.0.1.1");
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"), "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), "io.colmeia.launcher.Colmeia"));
        command.addAll(List.of(oneReplica(false, mqttPort, httpPort)));
        Path log = dir.resolve("foreground.log");
        foreground = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(log.toFile()).start();
        await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofMillis(500))
                .until(() -> colmeia("status", "--dir", dir.toString()).exitCode() == 0 || !foreground.isAlive());
        assertThat(foreground.isAlive()).as(Files.readString(log)).isTrue();

        long first = status().get("processes").get(0).get("pid").asLong();
        pidsToReap.add(first);
        ProcessHandle.of(first).orElseThrow().destroyForcibly();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            JsonNode p = status().get("processes").get(0);
            assertThat(p.get("restarts").asInt()).isEqualTo(1);
            assertThat(p.get("ready").asBoolean()).isTrue();
        });
        long second = status().get("processes").get(0).get("pid").asLong();
        pidsToReap.add(second);
        assertThat(Files.readString(log)).contains("exited with code 137 (SIGKILL)", "restarted broker-1");

        assertThat(colmeia("down", "--dir", dir.toString()).exitCode()).isZero();
        await().atMost(Duration.ofSeconds(30)).until(() -> !foreground.isAlive());
        assertThat(ProcessHandle.of(second).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(listening("127.0.1.1", mqttPort)).isFalse();
        assertThat(dir.resolve("run").resolve("cluster.json")).doesNotExist();
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

package io.colmeia.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.colmeia.common.config.EnvironmentDefaults;
import io.colmeia.launcher.Colmeia;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A local cluster started with {@code colmeia up --detach} in a test's directory, and stopped with
 * {@code colmeia down} plus a SIGKILL of every pid it recorded, so nothing outlives the test.
 */
final class LocalCluster implements AutoCloseable {

    private final Path dir;
    private final List<Long> pids = new ArrayList<>();
    private JsonNode processes;

    private LocalCluster(Path dir) {
        this.dir = dir;
    }

    /** Runs {@code colmeia up --detach --dir DIR ARGS}; whatever started is stopped by {@link #close()}. */
    static LocalCluster up(Path dir, String... args) throws IOException {
        LocalCluster cluster = new LocalCluster(dir);
        List<String> command = new ArrayList<>(List.of("up", "--detach", "--dir", dir.toString()));
        command.addAll(List.of(args));
        try {
            colmeia(command.toArray(String[]::new));
        } finally {
            if (Files.exists(dir.resolve("run/cluster.json"))) {
                cluster.processes = Repo.JSON.readTree(colmeia("status", "--json", "--dir", dir.toString()))
                        .path("processes");
                cluster.processes.forEach(p -> cluster.pids.add(p.path("pid").asLong()));
            }
        }
        return cluster;
    }

    /** The processes of {@code status --json} right after up. */
    JsonNode processes() {
        return processes;
    }

    /** The values of one field (e.g. mqtt, http) of every process with this role. */
    List<String> addresses(String role, String field) {
        List<String> result = new ArrayList<>();
        processes.forEach(p -> {
            if (p.path("role").asText().equals(role)) {
                result.add(p.path(field).asText());
            }
        });
        if (result.isEmpty()) {
            throw new AssertionError("no " + role + " process in " + processes);
        }
        return result;
    }

    List<Long> pids() {
        return List.copyOf(pids);
    }

    /** Runs a colmeia command in this JVM; throws with its output when it exits non-zero. */
    static String colmeia(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        picocli.CommandLine cli = Colmeia.commandLine(new EnvironmentDefaults(Map.of()));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        if (code != 0) {
            throw new AssertionError("colmeia " + String.join(" ", args) + " exited " + code + "\n" + out + err);
        }
        return out.toString();
    }

    @Override
    public void close() {
        try {
            colmeia("down", "--dir", dir.toString(), "--timeout", "10s");
        } catch (AssertionError e) {
            System.err.println(e.getMessage());
        }
        pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    }
}

package io.colmeia.launcher.local;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.colmeia.launcher.local.ClusterPlan.Planned;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything a supervisor needs to run a local cluster: the planned processes, their JVM options, the restart
 * policy and the timeouts. {@code up --detach} writes it to {@code run/launch.json} for the detached
 * supervisor process ({@code colmeia supervise}), which reads it back.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record LaunchPlan(List<Planned> processes, List<String> jvmOptions, RestartPolicy restart, Duration readyTimeout,
                  Duration stopTimeout) {

    static Path file(Path dir) {
        return dir.resolve("run").resolve("launch.json");
    }

    void save(Path dir) {
        try {
            Files.createDirectories(file(dir).getParent());
            ClusterState.JSON.writeValue(file(dir).toFile(), this);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file(dir), e);
        }
    }

    static LaunchPlan load(Path dir) {
        try {
            return ClusterState.JSON.readValue(file(dir).toFile(), LaunchPlan.class);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the launch plan " + file(dir) + ": " + e.getMessage(), e);
        }
    }
}

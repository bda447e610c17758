package io.colmeia.launcher.local;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What {@code colmeia up} started, kept in {@code <dir>/run/cluster.json} so that {@code status} and
 * {@code down} (other invocations, other terminals) find the same processes.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ClusterState(String name, Instant startedAt, long launcherPid, Instant launcherStart,
                           List<ManagedProcess> processes) {

    public static final String SERVICE_NAME = "mqtt.colmeia.internal";

    static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(SerializationFeature.INDENT_OUTPUT);

    public ClusterState {
        processes = List.copyOf(processes);
    }

    public static Path file(Path dir) {
        return dir.resolve("run").resolve("cluster.json");
    }

    public static Optional<ClusterState> load(Path dir) {
        Path file = file(dir);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(file.toFile(), ClusterState.class));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file + " (" + e.getMessage()
                    + "); if no cluster runs, delete it", e);
        }
    }

    /** Written atomically: a reader never sees half a file. */
    public void save(Path dir) {
        Path file = file(dir);
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling("cluster.json.tmp");
            JSON.writeValue(tmp.toFile(), this);
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    public static void delete(Path dir) {
        try {
            Files.deleteIfExists(file(dir));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + file(dir), e);
        }
    }

    public ClusterState with(ManagedProcess process) {
        List<ManagedProcess> all = new ArrayList<>(processes);
        all.add(process);
        return new ClusterState(name, startedAt, launcherPid, launcherStart, all);
    }

    /** This state with the process of the same id replaced (after a restart). */
    public ClusterState replacing(ManagedProcess process) {
        List<ManagedProcess> all = new ArrayList<>();
        for (ManagedProcess p : processes) {
            all.add(p.id().equals(process.id()) ? process : p);
        }
        return new ClusterState(name, startedAt, launcherPid, launcherStart, all);
    }

    public List<ManagedProcess> alive() {
        return processes.stream().filter(ManagedProcess::isAlive).toList();
    }

    /** The launcher of a foreground {@code up}, if it still runs. */
    public Optional<ProcessHandle> launcher() {
        return ProcessHandle.of(launcherPid).filter(ProcessHandle::isAlive)
                .filter(h -> ManagedProcess.sameStart(h, launcherStart))
                .filter(h -> h.pid() != ProcessHandle.current().pid());
    }
}

package io.colmeia.launcher.local;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code up --detach}: hands the cluster to a small supervisor process of the same jar
 * ({@code colmeia supervise}), which starts the processes as its children (so it sees their exit codes) and
 * restarts them. {@code up} relays the supervisor's log until every process is ready, then returns.
 */
final class DetachedSupervisor {

    private static final Path SETSID = Path.of("/usr/bin/setsid");

    private DetachedSupervisor() {
    }

    static Path log(Path dir) {
        return dir.resolve("logs").resolve("supervisor.log");
    }

    static int start(Path dir, LaunchPlan launch, StatusOutput out, Runnable onReady) throws InterruptedException {
        launch.save(dir);
        Path log = log(dir);
        long offset = size(log);
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(SETSID)) {
            command.add(SETSID.toString()); // its own session: a closing terminal's SIGHUP does not reach it
        }
        command.addAll(ProcessControl.colmeiaCommand(List.of("-Xmx96m"), List.of("supervise", "--dir",
                dir.toString())));
        Process supervisor = ProcessControl.start(command, log);
        out.line("started the supervisor (pid " + supervisor.pid() + "), log " + log);
        // the colmeia processes, then the outside programs watching them (Prometheus): each phase has --ready-timeout
        int phases = launch.processes().stream().anyMatch(ClusterPlan.Planned::outsideProgram) ? 2 : 1;
        long deadline = System.nanoTime() + launch.readyTimeout().multipliedBy(phases).plus(launch.stopTimeout())
                .plus(Duration.ofSeconds(30)).toNanos();
        while (true) {
            offset = relay(log, offset, out);
            if (!supervisor.isAlive()) {
                relay(log, offset, out);
                out.line("the supervisor exited with code " + supervisor.exitValue()
                        + " before the cluster was ready; nothing is left running");
                return 1;
            }
            if (allReady(dir, supervisor.pid(), launch.processes().size())) {
                onReady.run();
                out.line("cluster running in the background under supervision (restart policy "
                        + (launch.restart().mode() == RestartPolicy.Mode.NO ? "no" : "on-failure")
                        + "); 'colmeia status' shows it, 'colmeia down' stops it");
                return 0;
            }
            if (System.nanoTime() > deadline) {
                out.line("the cluster did not become ready in time; stopping the supervisor");
                supervisor.destroy();
                supervisor.waitFor();
                relay(log, offset, out);
                return 1;
            }
            Thread.sleep(300);
        }
    }

    private static boolean allReady(Path dir, long supervisorPid, int expected) {
        try {
            return ClusterState.load(dir)
                    .filter(s -> s.launcherPid() == supervisorPid && s.processes().size() == expected)
                    .map(s -> StatusTable.allReady(StatusTable.observe(s.processes())))
                    .orElse(false);
        } catch (IllegalStateException unreadable) {
            return false;
        }
    }

    private static long size(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** Prints the complete lines appended to {@code log} since {@code offset}; returns the new offset. */
    private static long relay(Path log, long offset, StatusOutput out) {
        if (!Files.exists(log)) {
            return offset;
        }
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
            long length = file.length();
            if (length <= offset) {
                return offset;
            }
            byte[] bytes = new byte[(int) Math.min(length - offset, 1 << 20)];
            file.seek(offset);
            file.readFully(bytes);
            String text = new String(bytes, StandardCharsets.UTF_8);
            int end = text.lastIndexOf('\n');
            if (end < 0) {
                return offset;
            }
            for (String line : text.substring(0, end).split("\n", -1)) {
                out.line(line);
            }
            return offset + text.substring(0, end + 1).getBytes(StandardCharsets.UTF_8).length;
        } catch (IOException e) {
            return offset;
        }
    }
}

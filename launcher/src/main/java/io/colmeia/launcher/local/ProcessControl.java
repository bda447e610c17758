package io.colmeia.launcher.local;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Starting colmeia component processes and stopping them: SIGTERM first, SIGKILL after a timeout. */
final class ProcessControl {

    private ProcessControl() {
    }

    /** The command that runs another colmeia component with the same Java and classpath as this one. */
    static List<String> colmeiaCommand(List<String> jvmOptions, List<String> args) {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(jvmOptions);
        command.add("-XX:+ExitOnOutOfMemoryError");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("io.colmeia.launcher.Colmeia");
        command.addAll(args);
        return command;
    }

    /** Starts a process with stdin from /dev/null and stdout+stderr appended to {@code log}. */
    static Process start(List<String> command, Path log) {
        try {
            Files.createDirectories(log.getParent());
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command.get(0), e);
        }
    }

    /**
     * Sends SIGTERM to every process, waits up to {@code timeout} for all of them, then SIGKILLs the rest.
     * Returns the ids of processes that had to be killed.
     */
    static List<String> stop(List<ManagedProcess> processes, Duration timeout, StatusOutput out) {
        List<ManagedProcess> running = new ArrayList<>();
        for (ManagedProcess process : processes) {
            Optional<ProcessHandle> handle = process.handle();
            if (handle.isPresent()) {
                out.line("stopping " + process.id() + " (pid " + process.pid() + ")");
                handle.get().destroy();
                running.add(process);
            }
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> killed = new ArrayList<>();
        for (ManagedProcess process : running) {
            Optional<ProcessHandle> handle = process.handle();
            if (handle.isEmpty()) {
                continue;
            }
            long left = Math.max(0, deadline - System.nanoTime());
            try {
                handle.get().onExit().get(left, TimeUnit.NANOSECONDS);
            } catch (Exception notInTime) {
                out.line(process.id() + " did not stop within " + timeout.toSeconds() + " s; killing it");
                handle.get().destroyForcibly();
                killed.add(process.id());
                try {
                    handle.get().onExit().get(5, TimeUnit.SECONDS);
                } catch (Exception e) {
                    out.line("pid " + process.pid() + " is still alive after SIGKILL");
                }
            }
        }
        return killed;
    }

    /** The last lines of a log, to show why a process failed. */
    static List<String> tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return all.subList(Math.max(0, all.size() - lines), all.size());
        } catch (IOException e) {
            return List.of("(cannot read " + log + ": " + e.getMessage() + ")");
        }
    }
}

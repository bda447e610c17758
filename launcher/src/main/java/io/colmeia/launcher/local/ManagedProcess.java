package io.colmeia.launcher.local;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.Optional;

/**
 * One process the local cluster started, as recorded in the run directory. The pid together with the
 * process start time identifies it, so a recycled pid never makes us signal somebody else's process.
 * {@code restarts} counts how often supervision started it again after it failed; {@code lastExitCode} is the
 * exit code of its previous incarnation (128 + signal when a signal killed it), null before any exit.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ManagedProcess(
        String role,
        String id,
        long pid,
        Instant processStart,
        String mqtt,
        String http,
        String dns,
        String mongodb,
        String log,
        String dataDir,
        int restarts,
        Integer lastExitCode) {

    public ManagedProcess(String role, String id, long pid, Instant processStart, String mqtt, String http, String dns,
                          String mongodb, String log, String dataDir) {
        this(role, id, pid, processStart, mqtt, http, dns, mongodb, log, dataDir, 0, null);
    }

    /** The same process restarted by supervision: a new pid and start time, one more restart. */
    public ManagedProcess restarted(long newPid, Instant newStart, int exitCode) {
        return new ManagedProcess(role, id, newPid, newStart, mqtt, http, dns, mongodb, log, dataDir, restarts + 1,
                exitCode);
    }

    /** The live process, if the pid still belongs to the process we started. */
    public Optional<ProcessHandle> handle() {
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(h -> sameStart(h, processStart));
    }

    public boolean isAlive() {
        return handle().isPresent();
    }

    static boolean sameStart(ProcessHandle handle, Instant expected) {
        if (expected == null) {
            return false;
        }
        return handle.info().startInstant()
                .map(actual -> Math.abs(actual.toEpochMilli() - expected.toEpochMilli()) < 1000)
                .orElse(false);
    }

    static Instant startOf(ProcessHandle handle) {
        return handle.info().startInstant().orElse(null);
    }
}

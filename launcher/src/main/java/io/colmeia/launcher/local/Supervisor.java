package io.colmeia.launcher.local;

import io.colmeia.launcher.local.ClusterPlan.Planned;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * Starts the processes of a local cluster, waits until each is ready, then keeps them running: a process that
 * dies is started again as the {@link RestartPolicy} says, each restart is logged and counted in
 * {@code run/cluster.json} (which {@code status} shows). The process that runs the supervisor (a foreground
 * {@code up}, the detached {@code supervise}, or {@code drill}) is the cluster's launcher: {@code down} stops it
 * first, so nothing is restarted while the cluster is being stopped.
 */
public final class Supervisor {

    private static final long POLL_MILLIS = 200;
    /** How often a process is started before a failure to become ready fails the whole start. */
    private static final int START_ATTEMPTS = 3;

    private final Path dir;
    private final LaunchPlan launch;
    private final StatusOutput out;
    private final Map<String, Slot> slots = new LinkedHashMap<>();
    private ClusterState state;
    private boolean stopping;
    private boolean oneAtATime;

    /** One planned process and its current incarnation. */
    private static final class Slot {
        final Planned planned;
        Process process;
        long startedNanos;
        int consecutiveFailures;
        long restartAtNanos = -1;
        int lastExitCode;
        boolean finished;
        long awaitingReadySince = -1;
        int startAttempts = 1;

        Slot(Planned planned) {
            this.planned = planned;
        }
    }

    Supervisor(Path dir, LaunchPlan launch, StatusOutput out) {
        this.dir = dir;
        this.launch = launch;
        this.out = out;
    }

    /** A supervisor for the drill: the plan, JVM options and policy given directly, output to {@code out}. */
    public static Supervisor of(Path dir, List<Planned> plan, List<String> jvmOptions,
                                RestartPolicy policy, Duration readyTimeout, Duration stopTimeout,
                                java.io.PrintWriter out) {
        return new Supervisor(dir, new LaunchPlan(plan, jvmOptions, policy, readyTimeout, stopTimeout),
                new StatusOutput(out));
    }

    /**
     * Start each process only once the previous one is ready (slower, but on a crowded machine seven JVMs
     * starting at once can each miss their own start-up deadlines).
     */
    public Supervisor oneAtATime() {
        this.oneAtATime = true;
        return this;
    }

    /**
     * Starts every planned process and waits until all are ready. On failure (a process exits before it is
     * ready, or the ready timeout passes) stops what it started, removes the state and throws.
     */
    public void start() throws InterruptedException {
        ProcessHandle self = ProcessHandle.current();
        synchronized (this) {
            state = new ClusterState(ClusterState.SERVICE_NAME, Instant.now(), self.pid(), ManagedProcess.startOf(self),
                    List.of());
            state.save(dir);
        }
        try {
            // outside programs (Prometheus) watch the colmeia processes: they start once those are ready
            List<Planned> components = launch.processes().stream().filter(p -> !p.outsideProgram()).toList();
            List<Planned> watchers = launch.processes().stream().filter(Planned::outsideProgram).toList();
            startPhase(components);
            startPhase(watchers);
        } catch (RuntimeException | InterruptedException e) {
            out.line("start failed; stopping what was started");
            stop();
            throw e;
        }
    }

    private void startPhase(List<Planned> processes) throws InterruptedException {
        if (processes.isEmpty()) {
            return;
        }
        if (oneAtATime) {
            for (Planned p : processes) {
                spawn(p);
                awaitReady(List.of(p));
            }
        } else {
            for (Planned p : processes) {
                spawn(p);
            }
            awaitReady(processes);
        }
    }

    private void spawn(Planned p) {
        Slot slot = new Slot(p);
        synchronized (this) {
            if (stopping) {
                throw new IllegalStateException("stopped while starting");
            }
            slot.process = ProcessControl.start(command(p), p.log());
            slot.startedNanos = System.nanoTime();
            slots.put(p.id(), slot);
            state = state.with(p.started(slot.process.pid(), ManagedProcess.startOf(slot.process.toHandle())));
            state.save(dir);
        }
        out.line("started " + p.id() + " (pid " + slot.process.pid() + "), log " + p.log());
    }

    private List<String> command(Planned p) {
        if (p.outsideProgram()) {
            List<String> command = new ArrayList<>();
            command.add(p.program().toString());
            command.addAll(p.args());
            return command;
        }
        return ProcessControl.colmeiaCommand(ClusterPlan.jvmOptions(p, launch.jvmOptions()), p.args());
    }

    private void awaitReady(List<Planned> plan) throws InterruptedException {
        long begin = System.nanoTime();
        long deadline = begin + launch.readyTimeout().toNanos();
        long nextReport = begin + Duration.ofSeconds(5).toNanos();
        Set<String> ready = new HashSet<>();
        while (ready.size() < plan.size()) {
            for (Planned p : plan) {
                if (ready.contains(p.id())) {
                    continue;
                }
                Slot slot = slots.get(p.id());
                Process process = slot.process;
                if (!process.isAlive()) {
                    int code = process.exitValue();
                    // a start that timed out on an overloaded machine deserves another try; a broken
                    // configuration fails the same way every time and is reported after the last attempt
                    if (launch.restart().restarts(code) && slot.startAttempts < START_ATTEMPTS) {
                        slot.startAttempts++;
                        slot.lastExitCode = code;
                        event(p.id() + " (pid " + process.pid() + ") exited with code " + code + describeSignal(code)
                                + " before it was ready; starting it again (attempt " + slot.startAttempts + " of "
                                + START_ATTEMPTS + "); last line of its log: "
                                + String.join("", ProcessControl.tail(p.log(), 1)));
                        synchronized (this) {
                            restart(slot, System.nanoTime());
                        }
                        continue;
                    }
                    throw new IllegalStateException(p.id() + " exited with code " + code
                            + " before it was ready; last lines of " + p.log() + ":\n  "
                            + String.join("\n  ", ProcessControl.tail(p.log(), 15)));
                }
                if (ReadyProbe.isReady(p)) {
                    ready.add(p.id());
                    out.line(p.id() + " ready after " + Duration.ofNanos(System.nanoTime() - begin).toMillis()
                            + " ms");
                }
            }
            long now = System.nanoTime();
            if (ready.size() < plan.size() && now > deadline) {
                List<String> waiting = plan.stream().map(Planned::id).filter(id -> !ready.contains(id)).toList();
                throw new IllegalStateException("not ready within " + launch.readyTimeout().toSeconds() + " s: "
                        + waiting + "; see their logs in " + plan.get(0).log().getParent());
            }
            if (now > nextReport && ready.size() < plan.size()) {
                out.line("waiting for " + (plan.size() - ready.size()) + " of " + plan.size() + " processes ("
                        + Duration.ofNanos(now - begin).toSeconds() + " s)");
                nextReport = now + Duration.ofSeconds(5).toNanos();
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    /**
     * Watches the processes until {@link #stop()} is called or every process has exited for good (exit code 0,
     * or restarts disabled). Returns true when stopped by {@link #stop()}.
     */
    public boolean supervise() throws InterruptedException {
        while (true) {
            synchronized (this) {
                if (stopping) {
                    return true;
                }
                if (checkOnce()) {
                    out.line("every process of the local cluster has exited");
                    return false;
                }
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    /** One pass over the processes; true when none is running or due to restart. */
    private boolean checkOnce() {
        long now = System.nanoTime();
        boolean anyLeft = false;
        for (Slot slot : slots.values()) {
            if (slot.finished) {
                continue;
            }
            anyLeft = true;
            if (slot.restartAtNanos >= 0) {
                if (now >= slot.restartAtNanos) {
                    restart(slot, now);
                }
                continue;
            }
            if (slot.process.isAlive()) {
                if (slot.awaitingReadySince >= 0 && ReadyProbe.isReady(slot.planned)) {
                    event(slot.planned.id() + " ready again " + Duration.ofNanos(System.nanoTime()
                            - slot.awaitingReadySince).toMillis() + " ms after its restart");
                    slot.awaitingReadySince = -1;
                }
                continue;
            }
            onExit(slot, now);
        }
        return !anyLeft;
    }

    private void onExit(Slot slot, long now) {
        int code = slot.process.exitValue();
        slot.lastExitCode = code;
        slot.awaitingReadySince = -1;
        Duration uptime = Duration.ofNanos(now - slot.startedNanos);
        String what = slot.planned.id() + " (pid " + slot.process.pid() + ") exited with code " + code
                + describeSignal(code) + " after " + uptime.toMillis() / 1000.0 + " s";
        if (!launch.restart().restarts(code)) {
            slot.finished = true;
            event(what + "; not restarted (restart policy " + policyName() + "); see " + slot.planned.log());
            return;
        }
        if (launch.restart().ranLongEnough(uptime)) {
            slot.consecutiveFailures = 0;
        }
        slot.consecutiveFailures++;
        Duration delay = launch.restart().delayAfter(slot.consecutiveFailures);
        slot.restartAtNanos = now + delay.toNanos();
        event(what + "; restarting in " + delay.toMillis() + " ms (failure " + slot.consecutiveFailures
                + " in a row); see " + slot.planned.log());
    }

    private void restart(Slot slot, long now) {
        slot.restartAtNanos = -1;
        Planned p = slot.planned;
        try {
            slot.process = ProcessControl.start(command(p), p.log());
        } catch (RuntimeException e) {
            // cannot even spawn (e.g. out of processes): count it as another failure and try again later
            slot.consecutiveFailures++;
            Duration delay = launch.restart().delayAfter(slot.consecutiveFailures);
            slot.restartAtNanos = now + delay.toNanos();
            event("cannot restart " + p.id() + ": " + e.getMessage() + "; next attempt in " + delay.toMillis()
                    + " ms");
            return;
        }
        slot.startedNanos = now;
        slot.awaitingReadySince = now;
        ManagedProcess previous = current(p.id()).orElseThrow();
        ManagedProcess next = previous.restarted(slot.process.pid(), ManagedProcess.startOf(slot.process.toHandle()),
                slot.lastExitCode);
        state = state.replacing(next);
        state.save(dir);
        event("restarted " + p.id() + " (pid " + slot.process.pid() + ", restart " + next.restarts() + ")");
    }

    /** Supervision events carry a timestamp: they happen long after the start-up lines. */
    private void event(String text) {
        out.line(Instant.now() + " " + text);
    }

    private String policyName() {
        return launch.restart().mode() == RestartPolicy.Mode.NO ? "no" : "on-failure";
    }

    private static String describeSignal(int code) {
        if (code == 137) {
            return " (SIGKILL)";
        }
        if (code == 143) {
            return " (SIGTERM)";
        }
        return code > 128 && code < 160 ? " (signal " + (code - 128) + ")" : "";
    }

    /** Stops supervision (no more restarts), then every process: SIGTERM, SIGKILL after the stop timeout. */
    public void stop() {
        List<ManagedProcess> processes;
        synchronized (this) {
            stopping = true;
            processes = state == null ? List.of() : state.processes();
        }
        ProcessControl.stop(processes, launch.stopTimeout(), out);
        // a process spawned but not yet recorded (start failed half-way) is still ours to stop
        for (Slot slot : slots.values()) {
            if (slot.process != null && slot.process.isAlive()) {
                slot.process.destroyForcibly();
            }
        }
        ClusterState.delete(dir);
    }

    /** The current incarnation of a process, as {@code status} sees it. */
    public synchronized Optional<ManagedProcess> current(String id) {
        return state == null ? Optional.empty()
                : state.processes().stream().filter(p -> p.id().equals(id)).findFirst();
    }

    public synchronized ClusterState state() {
        return state;
    }

    public LaunchPlan launch() {
        return launch;
    }

    /**
     * Runs the cluster in this process until it is stopped: starts it, calls {@code onReady}, supervises, and
     * on SIGTERM/SIGINT (a shutdown hook) stops everything. Returns the exit code for the command.
     */
    int runUntilStopped(Runnable onReady) throws InterruptedException {
        start();
        onReady.run();
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            out.line("stopping the local cluster");
            stop();
            out.line("local cluster stopped");
            stopped.countDown();
        }, "colmeia-supervisor-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        boolean byHook = supervise();
        if (byHook) {
            stopped.await();
            return 0;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            stopped.await();
            return 0;
        }
        ClusterState.delete(dir);
        return 0;
    }
}

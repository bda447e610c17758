package io.colmeia.ingress.sched;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Lowers the Linux scheduling priority (nice value) of every thread of this process. Linux threads inherit
 * their creator's nice value, so the threads started afterwards (event loops, probes, the status endpoint)
 * run at it too.
 *
 * <p>Why the ingress wants it: a relay does per read batch a fixed amount of work (a wake-up, a read, a write
 * that runs the receiver's TCP processing and wakes it), whatever the batch holds. At normal priority the
 * ingress is woken, and preempts the broker or the clients, for every few packets; at a lower priority it
 * runs when they pause, finds more bytes waiting on each socket and relays them with fewer system calls and
 * wake-ups per message, and the broker next to it gets the CPU first. When a CPU is idle a niced thread runs
 * at once, so an unloaded node relays with the same latency.
 *
 * <p>Java has no call for it, so this runs util-linux {@code renice} on the thread ids in /proc/self/task.
 * Nice values only order the threads of one scheduling group: between containers (separate cgroups) the
 * containers' CPU weights decide, and with autogroups between processes of different sessions.
 */
public final class CpuNice {

    /** Highest (least favoured) nice value Linux knows. */
    public static final int MAX = 19;

    private static final Path TASKS = Path.of("/proc/self/task");
    private static final Path THREAD_STAT = Path.of("/proc/thread-self/stat");

    private CpuNice() {
    }

    /** What {@link #lower} did: whether the nice value in effect now is the one asked for, and why not. */
    public record Outcome(boolean applied, OptionalInt nice, String detail) {
    }

    /**
     * Sets every thread of this process to nice {@code target} (never raises a priority: that needs privileges
     * and is not what this is for). Blocks at most {@code timeout} for {@code renice}.
     */
    public static Outcome lower(int target, Duration timeout) {
        if (target < 0 || target > MAX) {
            throw new IllegalArgumentException("nice " + target + " is outside 0.." + MAX);
        }
        OptionalInt before = current();
        if (before.isEmpty()) {
            return new Outcome(false, before, "no /proc/thread-self/stat (not Linux?): priority left as it is");
        }
        if (before.getAsInt() >= target) {
            return new Outcome(true, before, "already at nice " + before.getAsInt());
        }
        List<String> command = new ArrayList<>(List.of("renice", "-n", Integer.toString(target), "-p"));
        try (Stream<Path> tasks = Files.list(TASKS)) {
            tasks.map(p -> p.getFileName().toString()).filter(CpuNice::isNumber).forEach(command::add);
        } catch (IOException e) {
            return new Outcome(false, before, "cannot list " + TASKS + ": " + e.getMessage());
        }
        String output;
        try {
            Process renice = new ProcessBuilder(command).redirectErrorStream(true).start();
            renice.getOutputStream().close();
            if (!renice.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                renice.destroyForcibly();
                return new Outcome(false, current(), "renice did not finish within " + timeout.toMillis() + " ms");
            }
            output = new String(renice.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (renice.exitValue() != 0) {
                return new Outcome(false, current(), "renice exited with " + renice.exitValue() + ": "
                        + lastLine(output));
            }
        } catch (IOException e) {
            return new Outcome(false, current(), "cannot run renice (util-linux): " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(false, current(), "interrupted while waiting for renice");
        }
        OptionalInt after = current();
        if (after.isEmpty() || after.getAsInt() != target) {
            return new Outcome(false, after, "renice left this thread at nice "
                    + (after.isPresent() ? after.getAsInt() : "?") + ": " + lastLine(output));
        }
        return new Outcome(true, after, "nice " + before.getAsInt() + " -> " + target + " on "
                + (command.size() - 4) + " threads");
    }

    /** The nice value of the calling thread, empty when /proc does not tell (not Linux). */
    public static OptionalInt current() {
        try {
            return parseNice(Files.readString(THREAD_STAT, StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
            return OptionalInt.empty();
        }
    }

    /** Field 19 (nice) of a /proc stat line; the command name (field 2) may hold spaces and parentheses. */
    static OptionalInt parseNice(String stat) {
        int end = stat.lastIndexOf(')');
        if (end < 0) {
            return OptionalInt.empty();
        }
        String[] fields = stat.substring(end + 1).trim().split("\\s+");
        // fields[0] is field 3 (state), so field 19 is fields[16]
        if (fields.length <= 16) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(Integer.parseInt(fields[16]));
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.chars().allMatch(Character::isDigit);
    }

    private static String lastLine(String output) {
        int nl = output.lastIndexOf('\n');
        return nl < 0 ? output : output.substring(nl + 1);
    }
}

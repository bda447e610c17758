package io.colmeia.emulator.stats;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time of this process (JMX) or of another local process (Linux /proc/PID/stat, in USER_HZ = 100 ticks/s),
 * and a process's resident memory. Used to print the load generator's own CPU next to the target's: on
 * 2 shared cores a saturated generator makes any throughput figure a lower bound.
 */
public final class CpuMeter {

    private static final long NANOS_PER_TICK = 10_000_000L; // Linux USER_HZ is 100 on every architecture's ABI

    private CpuMeter() {
    }

    /** This process's CPU time in nanoseconds, or -1 when the JVM does not tell. */
    public static long selfCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    /** CPU time (user + system) of a local process in nanoseconds, or -1 when it cannot be read. */
    public static long processCpuNanos(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // the command name (field 2) is in parentheses and may contain spaces: count fields after the last ')'
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            long utime = Long.parseLong(f[11]);
            long stime = Long.parseLong(f[12]);
            return (utime + stime) * NANOS_PER_TICK;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Resident set size of a local process in bytes, or -1. */
    public static long processRssBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    String[] parts = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** Cores busy on average between two CPU-time samples taken {@code wallNanos} apart (-1 if unknown). */
    public static double cores(long cpuStart, long cpuEnd, long wallNanos) {
        if (cpuStart < 0 || cpuEnd < 0 || wallNanos <= 0) {
            return -1;
        }
        return (double) (cpuEnd - cpuStart) / wallNanos;
    }
}

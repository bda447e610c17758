package io.colmeia.emulator;

import java.lang.management.ManagementFactory;

/**
 * How many MQTT connections one emulator process may open: every connection is a file descriptor and the
 * hard limit here is 20,000 per process (ARCHITECTURE §4); 256 stay free for the JVM, logs and HTTP.
 */
public final class ConnectionBudget {

    public static final int RESERVED_FDS = 256;
    public static final int DEFAULT_FD_LIMIT = 20_000;

    private ConnectionBudget() {
    }

    public static int maxConnections() {
        long limit = DEFAULT_FD_LIMIT;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean os) {
            long max = os.getMaxFileDescriptorCount();
            if (max > 0) {
                limit = Math.min(max, Integer.MAX_VALUE);
            }
        }
        return (int) Math.max(0, Math.min(limit, DEFAULT_FD_LIMIT) - RESERVED_FDS);
    }
}

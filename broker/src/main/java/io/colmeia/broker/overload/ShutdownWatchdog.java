package io.colmeia.broker.overload;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last guarantee that a replica obeys SIGTERM: if the orderly stop has not finished within its limit
 * (a wedged HiveMQ, a sink that never returns), the process halts. Armed by the process entry point only,
 * never inside a JVM that hosts other things (tests, embedding).
 */
public final class ShutdownWatchdog {

    private static final Logger LOG = LoggerFactory.getLogger(ShutdownWatchdog.class);

    private ShutdownWatchdog() {
    }

    /** Starts the countdown; the returned thread is a daemon, so a stop that finishes in time ends the JVM. */
    public static Thread arm(String component, Duration limit) {
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(limit.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            LOG.error("{} did not stop within {} of the stop signal; halting", component, limit);
            Runtime.getRuntime().halt(1);
        }, "shutdown-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        return watchdog;
    }
}

package io.colmeia.common.lifecycle;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns SIGTERM/SIGINT into an orderly stop: the JVM's shutdown hook runs {@code stopAction} and waits for
 * it, so a component drains its clients before the process exits. The main thread waits in {@link #await()}.
 */
public final class ShutdownSignal {

    private static final Logger LOG = LoggerFactory.getLogger(ShutdownSignal.class);

    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread hook;

    public ShutdownSignal(String component, Runnable stopAction) {
        this.hook = new Thread(() -> {
            LOG.info("{} received a stop signal; shutting down", component);
            try {
                stopAction.run();
            } catch (RuntimeException e) {
                LOG.error("{} did not stop cleanly", component, e);
            } finally {
                stopped.countDown();
                LOG.info("{} stopped", component);
            }
        }, "shutdown-" + component);
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Blocks until a stop signal has been handled completely. */
    public void await() throws InterruptedException {
        stopped.await();
    }

    public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        return stopped.await(timeout, unit);
    }

    /** For a component that ends on its own (not by signal): the hook is no longer needed. */
    public void cancel() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or has run; nothing to undo
        }
    }
}

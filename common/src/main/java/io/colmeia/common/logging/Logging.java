package io.colmeia.common.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import io.colmeia.common.config.CommonOptions;
import org.slf4j.LoggerFactory;

/** Sets the node name shown on every log line and the root level chosen by --log-level. */
public final class Logging {

    private Logging() {
    }

    public static void configure(String node, CommonOptions.LogLevel level) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        context.putProperty("colmeia.node", node);
        context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.toLevel(level.name(), Level.INFO));
        // HiveMQ and Netty log through JUL in places; route it to the same lines.
        if (!org.slf4j.bridge.SLF4JBridgeHandler.isInstalled()) {
            org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
            org.slf4j.bridge.SLF4JBridgeHandler.install();
        }
    }
}

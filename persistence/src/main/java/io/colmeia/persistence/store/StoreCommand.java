package io.colmeia.persistence.store;

import io.colmeia.common.config.CommonOptions;
import io.colmeia.common.config.Converters;
import io.colmeia.common.config.Directories;
import io.colmeia.common.config.HostPort;
import io.colmeia.common.http.StatusServer;
import io.colmeia.common.lifecycle.ShutdownSignal;
import io.colmeia.common.logging.Logging;
import io.colmeia.common.metrics.Metrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code colmeia store}: runs the embedded MongoDB-compatible store until SIGTERM/SIGINT. */
@Command(name = "store", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the embedded default store: a MongoDB wire-protocol server (mongo-java-server) on a"
                + " crash-safe H2 file, answering as the primary of a one-member replica set.",
                "For production, point the brokers at a real MongoDB replica set instead (--mongodb-uri)."})
public final class StoreCommand implements Callable<Integer> {

    @Option(names = "--node-id", defaultValue = "store-1", paramLabel = "ID",
            description = "This store's id; labels its metrics and logs (default: ${DEFAULT-VALUE}).")
    String nodeId;

    @Option(names = "--listen", defaultValue = "127.0.0.1:27017", paramLabel = "HOST:PORT",
            converter = Converters.HostPortConverter.class,
            description = "MongoDB wire-protocol listener address (default: ${DEFAULT-VALUE}).")
    HostPort listen;

    @Option(names = "--advertise", paramLabel = "HOST:PORT", converter = Converters.HostPortConverter.class,
            description = "Address clients are told to use (the replica-set member name); it must be the address"
                    + " in their connection string (default: the --listen address, loopback for a wildcard).")
    HostPort advertise;

    @Option(names = "--replica-set", defaultValue = "rs0", paramLabel = "NAME",
            description = "Replica-set name reported to clients; connection strings say replicaSet=NAME"
                    + " (default: ${DEFAULT-VALUE}).")
    String replicaSet;

    @Option(names = "--data-dir", defaultValue = "data/store", paramLabel = "DIR",
            description = "Directory of the H2 data file (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--http", defaultValue = "127.0.0.1:9190", paramLabel = "HOST:PORT",
            converter = Converters.HostPortConverter.class,
            description = "Address of /metrics, /health and /ready (default: ${DEFAULT-VALUE}).")
    HostPort http;

    @Option(names = "--fsync", defaultValue = "false", paramLabel = "BOOLEAN", arity = "0..1",
            description = "Also fsync the data file before acknowledging a write: survives power loss, not only"
                    + " a process crash, at the cost of throughput (default: ${DEFAULT-VALUE}).")
    boolean fsync;

    @Option(names = "--compact-below", defaultValue = "60", paramLabel = "PERCENT",
            description = "Rewrite the live data out of the data file's chunks when they are on average less than"
                    + " this full, so the file stops growing with dead pages; 0 = never (the file then grows by"
                    + " several KB per stored reading) (default: ${DEFAULT-VALUE}).")
    int compactBelow;

    @Option(names = "--compact-interval", defaultValue = "10s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "How often the fill of the data file is checked; a pass rewrites up to 64 MiB of live"
                    + " data in 1 MiB steps, commands waiting during a step (default: ${DEFAULT-VALUE}).")
    java.time.Duration compactInterval;

    @Mixin
    CommonOptions common = new CommonOptions();

    /** mongo-java-server logs every client connection at INFO; a driver's pool makes that noise. */
    private static void quietConnectionLogs(CommonOptions.LogLevel level) {
        if (level == CommonOptions.LogLevel.INFO
                && LoggerFactory.getLogger("de.bwaldvogel.mongo.wire") instanceof ch.qos.logback.classic.Logger wire) {
            wire.setLevel(ch.qos.logback.classic.Level.WARN);
        }
    }

    @Override
    public Integer call() throws Exception {
        Logging.configure(nodeId, common.logLevel);
        quietConnectionLogs(common.logLevel);
        StoreConfig config = new StoreConfig(nodeId, listen, advertise, replicaSet,
                Directories.requireWritable("--data-dir", dataDir), http, fsync, compactBelow, compactInterval);
        PrometheusMeterRegistry registry = Metrics.create("store", nodeId);
        AtomicBoolean ready = new AtomicBoolean();
        StatusServer status = StatusServer.start("--http", config.http(), registry, ready::get);
        EmbeddedStore store;
        try {
            store = EmbeddedStore.start(config, registry);
        } catch (RuntimeException e) {
            status.close();
            registry.close();
            throw e;
        }
        ShutdownSignal signal = new ShutdownSignal("store " + nodeId, () -> {
            ready.set(false);
            try {
                store.close();
            } finally {
                status.close();
                registry.close();
            }
        });
        ready.set(true);
        signal.await();
        return 0;
    }
}

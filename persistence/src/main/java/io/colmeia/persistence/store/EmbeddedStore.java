package io.colmeia.persistence.store;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.ServerVersion;
import io.colmeia.common.config.HostPort;
import io.colmeia.common.config.InvalidConfigurationException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.h2.mvstore.MVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default store: mongo-java-server on the crash-safe H2 backend, listening on one address and
 * answering as the primary of a one-member replica set. Used by {@code colmeia store} and by tests.
 */
public final class EmbeddedStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedStore.class);
    static final String DATA_FILE = "colmeia-store.mv.db";
    /**
     * Wire version reported to clients. mongo-java-server implements the 4.0 command set (wire 7), but
     * mongodb-driver-sync 5.14 refuses servers below wire 8 (MongoDB 4.2). The driver's use of this store
     * (insert, find, aggregate, indexes, listCollections) is the same at 7 and 8; the tests prove it.
     */
    static final int MAX_WIRE_VERSION = 8;

    private final StoreConfig config;
    private final MVStore mvStore;
    private final DurableH2Backend backend;
    private final MongoServer server;
    private final StoreCompactor compactor;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedStore(StoreConfig config, MVStore mvStore, DurableH2Backend backend, MongoServer server,
            StoreCompactor compactor) {
        this.config = config;
        this.mvStore = mvStore;
        this.backend = backend;
        this.server = server;
        this.compactor = compactor;
    }

    /** Opens the data file and starts listening; fails with the option at fault when it cannot. */
    public static EmbeddedStore start(StoreConfig config, MeterRegistry registry) {
        Path file = config.dataDir().resolve(DATA_FILE);
        MVStore mvStore;
        try {
            Files.createDirectories(config.dataDir());
        } catch (java.io.IOException e) {
            throw new InvalidConfigurationException("--data-dir", "cannot create " + config.dataDir() + " (" + e + ")");
        }
        try {
            // Every write is committed by DurableH2Backend before it is acknowledged, so H2's background writer is
            // not needed; it is off because its chunk compaction races readers and commits in H2 2.3.232 and
            // loses chunks ("Chunk N not found", h2database#4247), which the fault drill hit after store kills.
            mvStore = new MVStore.Builder().fileName(file.toString()).autoCommitDisabled().autoCompactFillRate(0).open();
            // Old versions are for MVStore's rollback, which nothing here uses; kept, they pin dead chunks and
            // compaction frees nothing (measured). Crash safety is H2's retention time, left at its default.
            mvStore.setVersionsToKeep(0);
        } catch (RuntimeException e) {
            throw new InvalidConfigurationException("--data-dir", "cannot open " + file + " (" + e.getMessage()
                    + "); is another store using this directory?");
        }
        DurableH2Backend backend = new DurableH2Backend(mvStore, config.replicaSet(),
                config.advertise().toString(), config.fsync(), MAX_WIRE_VERSION, registry);
        backend.version(ServerVersion.MONGO_4_0);
        MongoServer server = new MongoServer(backend);
        try {
            server.bind(config.listen().toSocketAddress());
        } catch (Exception e) { // Netty rethrows a checked BindException undeclared
            server.shutdownNow();
            backend.close();
            throw new InvalidConfigurationException("--listen", "cannot listen on " + config.listen() + " ("
                    + e.getMessage() + "); is another process using it?");
        }
        Gauge.builder("colmeia_store_data_bytes", () -> sizeOf(file))
                .description("Size of the store's H2 data file")
                .baseUnit("bytes")
                .register(registry);
        LOG.info("embedded store listening on {} as primary of replica set '{}' (advertised {}), data in {}, {}",
                config.listen(), config.replicaSet(), config.advertise(), file,
                config.fsync() ? "commit + fsync before every write is acknowledged"
                        : "commit before every write is acknowledged (survives a process crash; --fsync also"
                                + " survives power loss)");
        StoreCompactor compactor = new StoreCompactor(mvStore, backend, config.compactBelow(),
                config.compactInterval(), registry);
        return new EmbeddedStore(config, mvStore, backend, server, compactor);
    }

    /** For tests: the compactor, to run a pass now. */
    StoreCompactor compactor() {
        return compactor;
    }

    /** For tests: the H2 store underneath. */
    MVStore mvStore() {
        return mvStore;
    }

    /** The connection string clients use: the advertised address and the replica-set name. */
    public String connectionString() {
        return "mongodb://" + config.advertise() + "/?replicaSet=" + config.replicaSet();
    }

    public HostPort address() {
        return config.advertise();
    }

    private static double sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (Exception e) {
            return 0;
        }
    }

    /** Stops listening, closes client connections, then commits and closes the data file. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            compactor.close();
            server.shutdownNow();
        } finally {
            try {
                backend.close();
            } finally {
                if (!mvStore.isClosed()) {
                    mvStore.close();
                }
            }
        }
        LOG.info("embedded store on {} stopped", config.listen());
    }
}

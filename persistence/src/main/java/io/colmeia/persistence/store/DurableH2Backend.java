package io.colmeia.persistence.store;

import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.message.MongoQuery;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.h2.mvstore.MVStore;

/**
 * mongo-java-server's H2 backend made fit for acknowledged writes and replica-set connection strings.
 *
 * <ul>
 *   <li>Every command that changed data is committed to the H2 file before its reply leaves, so a
 *       {@code kill -9} of the store loses nothing the store acknowledged (H2's default background commit
 *       lost thousands of acknowledged documents in that case; see the embedded-store note).</li>
 *   <li>{@code hello} and {@code isMaster} answer as the primary of a one-member replica set, so the same
 *       {@code replicaSet=rs0} URI that points at a real MongoDB replica set connects here unchanged.</li>
 *   <li>Databases use the compact file layout of {@link CompactH2Database} (BSON documents, natively compared
 *       index keys) instead of Java-serialized maps.</li>
 * </ul>
 */
final class DurableH2Backend extends H2Backend {

    /** Field in the hello answer by which the writer recognises the embedded store. */
    static final String MARKER = "colmeiaEmbeddedStore";

    /** What {@link MVStore#commit()} returns when there was nothing to store. */
    private static final long INITIAL_VERSION = -1;
    private static final Set<String> HANDSHAKE = Set.of("hello", "ismaster");
    private static final Set<String> WRITES = Set.of("insert", "update", "delete", "findandmodify", "create",
            "createindexes", "drop", "dropindexes", "dropdatabase", "renamecollection");

    private final MVStore mvStore;
    private final String replicaSet;
    private final String me;
    private final boolean fsync;
    /** Commands share it; compaction takes it alone (see {@link StoreCompactor}). */
    private final ReentrantReadWriteLock access = new ReentrantReadWriteLock();
    private final int maxWireVersion;
    private final Counter commits;

    DurableH2Backend(MVStore mvStore, String replicaSet, String me, boolean fsync, int maxWireVersion,
                     MeterRegistry registry) {
        super(mvStore);
        this.mvStore = mvStore;
        this.replicaSet = replicaSet;
        this.me = me;
        this.fsync = fsync;
        this.maxWireVersion = maxWireVersion;
        this.commits = Counter.builder("colmeia_store_commits_total")
                .description("Commits of the H2 file made before acknowledging a write")
                .register(registry);
    }

    /** Databases in the compact layout (BSON documents, ordered index keys); see {@link CompactH2Database}. */
    @Override
    protected de.bwaldvogel.mongo.MongoDatabase openOrCreateDatabase(String databaseName) {
        // Called from H2Backend's constructor too (reopening databases), before this class's fields are set.
        return new CompactH2Database(databaseName, getMvStore(), getCursorRegistry());
    }

    @Override
    public Document handleCommand(Channel channel, String database, String command, Document query) {
        if (HANDSHAKE.contains(command.toLowerCase(Locale.ROOT))) {
            return hello(command);
        }
        access.readLock().lock();
        try {
            return super.handleCommand(channel, database, command, query);
        } finally {
            try {
                commitIfChanged(command);
            } finally {
                access.readLock().unlock();
            }
        }
    }

    @Override
    public QueryResult handleQuery(MongoQuery query) {
        access.readLock().lock();
        try {
            return super.handleQuery(query);
        } finally {
            access.readLock().unlock();
        }
    }

    /** Runs {@code work} while no command runs (commands wait): for maintenance that must not race readers. */
    <T> T exclusively(Supplier<T> work) {
        access.writeLock().lock();
        try {
            return work.get();
        } finally {
            access.writeLock().unlock();
        }
    }

    /** Commits what {@code command} (or maintenance, with a name that is no write command) changed. */
    void commitIfChanged(String command) {
        // No unlocked hasUnsavedChanges() check first: while another connection's commit is writing its chunk, the
        // version is already bumped and that check says "nothing unsaved", so this reply could leave before the
        // chunk holding its documents is in the file. commit() checks under H2's store lock, i.e. after any commit
        // in progress has written its chunk; concurrent writes thus share one commit (group commit).
        boolean stored = mvStore.commit() != INITIAL_VERSION;
        if (stored) {
            commits.increment();
        }
        // A write whose changes another connection's commit stored must not skip the sync either.
        if (fsync && (stored || WRITES.contains(command.toLowerCase(Locale.ROOT)))) {
            mvStore.sync();
        }
    }

    private Document hello(String command) {
        Document answer = new Document();
        if (command.equalsIgnoreCase("hello")) {
            answer.put("isWritablePrimary", Boolean.TRUE);
        } else {
            answer.put("ismaster", Boolean.TRUE);
        }
        answer.put("helloOk", Boolean.TRUE);
        answer.put("setName", replicaSet);
        answer.put("setVersion", 1);
        answer.put("hosts", List.of(me));
        answer.put("primary", me);
        answer.put("me", me);
        answer.put("secondary", Boolean.FALSE);
        answer.put("maxBsonObjectSize", 16 * 1024 * 1024);
        answer.put("maxMessageSizeBytes", 48_000_000);
        answer.put("maxWriteBatchSize", 100_000);
        answer.put("localTime", Instant.now());
        answer.put("logicalSessionTimeoutMinutes", 30);
        answer.put("minWireVersion", 0);
        answer.put("maxWireVersion", maxWireVersion);
        answer.put("readOnly", Boolean.FALSE);
        answer.put(MARKER, Boolean.TRUE);
        answer.put("ok", 1.0);
        return answer;
    }
}

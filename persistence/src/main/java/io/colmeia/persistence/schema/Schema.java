package io.colmeia.persistence.schema;

import com.mongodb.MongoCommandException;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.CreateCollectionOptions;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.TimeSeriesGranularity;
import com.mongodb.client.model.TimeSeriesOptions;
import io.colmeia.persistence.decode.TelemetryDecoder;
import java.util.ArrayList;
import java.util.List;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the collections and indexes once per process, on the first successful contact with the server, and
 * says loudly which kind of server it is and what that implies.
 *
 * <ul>
 *   <li>{@code telemetry}: a normal collection. Its {@code _id} (deterministic, see DocumentIds) is the dedupe
 *       key, so it cannot be a time-series collection: those enforce no unique index, not even on {@code _id}.
 *       Index {@code {meta.device: 1, ts: 1}} for "this device over time".</li>
 *   <li>{@code telemetry_ts}: where the server supports time-series collections (MongoDB 5.0+) and
 *       {@code --timeseries-copy} is on, a time-series collection (timeField {@code ts}, metaField
 *       {@code meta}, granularity seconds) receiving a copy of each newly written telemetry document, for
 *       dashboards. mongo-java-server silently ignores the time-series option: we detect that (the collection
 *       does not report type "timeseries"), log it and write no copy.</li>
 *   <li>{@code telemetry_rejected}: index {@code {receivedAt: 1}}.</li>
 * </ul>
 */
public final class Schema {

    private static final Logger LOG = LoggerFactory.getLogger(Schema.class);

    public static final String TIMESERIES = "telemetry_ts";
    /** Field by which the embedded store marks its hello answer (see DurableH2Backend). */
    static final String EMBEDDED_MARKER = "colmeiaEmbeddedStore";

    public enum ServerKind {
        /** A real MongoDB replica set: majority writes survive the loss of a member; elections fail over. */
        REPLICA_SET,
        /** A real MongoDB without a replica set: majority is one node; no failover. */
        STANDALONE,
        /** colmeia's embedded store: one process, crash-safe file, no replication, no time-series. */
        EMBEDDED_STORE,
        /** Plain mongo-java-server: write concern ignored, no hello, no time-series. */
        MONGO_JAVA_SERVER
    }

    private final MongoDatabase database;
    private final MongoDatabase admin;
    private final boolean timeseriesWanted;
    private volatile boolean ready;
    private volatile boolean timeseries;
    private volatile ServerKind kind;

    public Schema(MongoDatabase database, MongoDatabase admin, boolean timeseriesWanted) {
        this.database = database;
        this.admin = admin;
        this.timeseriesWanted = timeseriesWanted;
    }

    /** Idempotent; throws the driver's exception when the server cannot be reached (try again later). */
    public synchronized void ensure() {
        if (ready) {
            return;
        }
        Document hello;
        ServerKind detected;
        try {
            hello = admin.runCommand(new Document("hello", 1));
            if (Boolean.TRUE.equals(hello.getBoolean(EMBEDDED_MARKER))) {
                detected = ServerKind.EMBEDDED_STORE;
            } else if (hello.getString("setName") != null) {
                detected = ServerKind.REPLICA_SET;
            } else {
                detected = ServerKind.STANDALONE;
            }
        } catch (MongoCommandException e) {
            if (e.getErrorCode() != 59) {
                throw e;
            }
            hello = admin.runCommand(new Document("isMaster", 1));
            detected = ServerKind.MONGO_JAVA_SERVER;
        }
        String version = String.valueOf(admin.runCommand(new Document("buildInfo", 1)).get("version"));
        describe(detected, version, hello);

        List<String> existing = database.listCollectionNames().into(new ArrayList<>());
        if (!existing.contains(TelemetryDecoder.TELEMETRY)) {
            createIfAbsent(TelemetryDecoder.TELEMETRY, new CreateCollectionOptions());
        }
        database.getCollection(TelemetryDecoder.TELEMETRY).createIndex(
                Indexes.ascending("meta.device", "ts"), new IndexOptions().name("device_ts"));
        database.getCollection(TelemetryDecoder.REJECTED).createIndex(
                Indexes.ascending("receivedAt"), new IndexOptions().name("receivedAt"));

        boolean ts = false;
        if (timeseriesWanted) {
            ts = setUpTimeseries(detected, version, existing);
        }
        this.kind = detected;
        this.timeseries = ts;
        this.ready = true;
    }

    private boolean setUpTimeseries(ServerKind detected, String version, List<String> existing) {
        if (detected == ServerKind.EMBEDDED_STORE || detected == ServerKind.MONGO_JAVA_SERVER) {
            LOG.warn("time-series collections are not supported by {} (the option would be silently ignored):"
                    + " no {} copy; dashboards read {} (same fields)", detected, TIMESERIES,
                    TelemetryDecoder.TELEMETRY);
            return false;
        }
        if (majorVersion(version) < 5) {
            LOG.warn("MongoDB {} has no time-series collections (5.0+): no {} copy", version, TIMESERIES);
            return false;
        }
        if (!existing.contains(TIMESERIES)) {
            createIfAbsent(TIMESERIES, new CreateCollectionOptions().timeSeriesOptions(
                    new TimeSeriesOptions("ts").metaField("meta").granularity(TimeSeriesGranularity.SECONDS)));
        }
        Document info = database.listCollections().filter(new Document("name", TIMESERIES)).first();
        boolean isTimeseries = info != null && "timeseries".equals(info.getString("type"));
        if (!isTimeseries) {
            LOG.warn("{} exists but is not a time-series collection (type {}): no copy written", TIMESERIES,
                    info == null ? "none" : info.getString("type"));
            return false;
        }
        LOG.info("time-series copy enabled: new telemetry documents are also written to {} (timeField ts,"
                + " metaField meta)", TIMESERIES);
        return true;
    }

    private void createIfAbsent(String name, CreateCollectionOptions options) {
        try {
            database.createCollection(name, options);
        } catch (MongoCommandException e) {
            if (e.getErrorCode() != 48) { // NamespaceExists: another replica created it first
                throw e;
            }
        }
    }

    private static void describe(ServerKind kind, String version, Document hello) {
        switch (kind) {
            case REPLICA_SET -> LOG.info("persistence writes to a MongoDB {} replica set '{}' (hosts {}):"
                            + " acknowledged writes are on a majority of members and survive the loss of a minority",
                    version, hello.getString("setName"), hello.get("hosts"));
            case STANDALONE -> LOG.warn("persistence writes to a STANDALONE MongoDB {}: write concern majority"
                    + " means this one server; there is no failover. Use a replica set in production", version);
            case EMBEDDED_STORE -> LOG.warn("persistence writes to the EMBEDDED STORE (mongo-java-server on H2,"
                    + " reporting {}): one process, no replication, no time-series collections; a write it"
                    + " acknowledged survives a crash of that process, not the loss of its disk. For"
                    + " production point --mongodb-uri at a MongoDB replica set", version);
            case MONGO_JAVA_SERVER -> LOG.warn("persistence writes to a plain mongo-java-server {}: write concern"
                    + " is ignored and durability depends on its backend; for tests only", version);
            default -> throw new IllegalStateException(kind.toString());
        }
    }

    static int majorVersion(String version) {
        try {
            return Integer.parseInt(version.substring(0, version.indexOf('.')));
        } catch (RuntimeException e) {
            return 0;
        }
    }

    public boolean timeseriesEnabled() {
        return ready && timeseries;
    }

    /** The kind of server found, or null before the first successful contact. */
    public ServerKind kind() {
        return kind;
    }

    public boolean ready() {
        return ready;
    }
}

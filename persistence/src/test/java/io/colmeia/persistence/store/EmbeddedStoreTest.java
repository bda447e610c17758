package io.colmeia.persistence.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.MongoClientSettings;
import com.mongodb.ConnectionString;
import com.mongodb.WriteConcern;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.MongoWriteException;
import io.colmeia.common.config.HostPort;
import io.colmeia.common.config.InvalidConfigurationException;
import io.colmeia.persistence.Loopback;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedStoreTest {

    @TempDir
    Path dir;

    static StoreConfig config(HostPort listen, Path dataDir) {
        return new StoreConfig("store-test", listen, null, "rs0", dataDir, null, false);
    }

    static MongoClient client(String connectionString) {
        return MongoClients.create(MongoClientSettings.builder()
                .applyConnectionString(new ConnectionString(connectionString
                        + "&retryWrites=true&w=majority"))
                .applyToClusterSettings(b -> b.serverSelectionTimeout(5, TimeUnit.SECONDS))
                .build());
    }

    @Test
    void replicaSetConnectionStringConnectsAndWrites() {
        try (EmbeddedStore store = EmbeddedStore.start(config(Loopback.freeAddress(), dir), new SimpleMeterRegistry());
             MongoClient client = client(store.connectionString())) {
            assertThat(store.connectionString()).contains("replicaSet=rs0");
            Document hello = client.getDatabase("admin").runCommand(new Document("hello", 1));
            assertThat(hello.getString("setName")).isEqualTo("rs0");
            assertThat(hello.getBoolean("isWritablePrimary")).isTrue();
            assertThat(hello.getString("primary")).isEqualTo(store.address().toString());

            MongoCollection<Document> c = client.getDatabase("t").getCollection("c")
                    .withWriteConcern(WriteConcern.MAJORITY);
            c.insertOne(new Document("_id", "a").append("v", 1));
            assertThat(c.find(new Document("_id", "a")).first()).containsEntry("v", 1);
        }
    }

    @Test
    void aFileInMongoJavaServersOwnLayoutIsConvertedWithItsDocumentsAndUniqueIds() {
        HostPort address = Loopback.freeAddress();
        org.h2.mvstore.MVStore legacyFile = org.h2.mvstore.MVStore.open(
                dir.resolve(EmbeddedStore.DATA_FILE).toString());
        // mongo-java-server's own H2 backend, as the store used it before; it says wire 7, the driver wants 8
        de.bwaldvogel.mongo.MongoServer legacy = new de.bwaldvogel.mongo.MongoServer(
                new de.bwaldvogel.mongo.backend.h2.H2Backend(legacyFile) {
                    @Override
                    public de.bwaldvogel.mongo.bson.Document handleCommand(io.netty.channel.Channel channel,
                            String database, String command, de.bwaldvogel.mongo.bson.Document query) {
                        de.bwaldvogel.mongo.bson.Document answer = super.handleCommand(channel, database, command,
                                query);
                        if (answer.containsKey("maxWireVersion")) {
                            answer.put("maxWireVersion", EmbeddedStore.MAX_WIRE_VERSION);
                        }
                        return answer;
                    }
                });
        legacy.bind(address.host(), address.port());
        try (MongoClient client = MongoClients.create("mongodb://" + address)) {
            MongoCollection<Document> c = client.getDatabase("t").getCollection("c");
            for (int i = 0; i < 50; i++) {
                c.insertOne(new Document("_id", "id-" + i).append("v", i).append("when", new java.util.Date(i * 1000L))
                        .append("nested", new Document("k", i % 3)));
            }
        } finally {
            legacy.shutdownNow();
            legacyFile.close();
        }

        try (EmbeddedStore store = EmbeddedStore.start(config(address, dir), new SimpleMeterRegistry());
             MongoClient client = client(store.connectionString())) {
            MongoCollection<Document> c = client.getDatabase("t").getCollection("c");
            assertThat(c.countDocuments()).isEqualTo(50);
            assertThat(c.find(new Document("_id", "id-7")).first()).containsEntry("v", 7)
                    .containsEntry("when", new java.util.Date(7000L))
                    .containsEntry("nested", new Document("k", 1));
            assertThatThrownBy(() -> c.insertOne(new Document("_id", "id-7"))).isInstanceOf(MongoWriteException.class)
                    .hasMessageContaining("E11000");
            c.insertOne(new Document("_id", "id-50").append("v", 50));
            assertThat(c.countDocuments()).isEqualTo(51);
        }
    }

    @Test
    void h2RunsNoBackgroundWriterThatCouldCompactChunksAway() {
        // The fault drill lost H2 chunks ("Chunk N not found") to the background compaction of H2 2.3.232
        // (h2database#4247); every write is committed before its acknowledgement, so the writer is not needed.
        try (EmbeddedStore store = EmbeddedStore.start(config(Loopback.freeAddress(), dir), new SimpleMeterRegistry());
             MongoClient client = client(store.connectionString())) {
            MongoCollection<Document> c = client.getDatabase("t").getCollection("c");
            for (int i = 0; i < 200; i++) {
                c.insertOne(new Document("_id", i).append("payload", "x".repeat(200)));
            }
            assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                    .noneMatch(name -> name.startsWith("MVStore background"));
            assertThat(c.countDocuments()).isEqualTo(200);
        }
    }

    @Test
    void compactionKeepsTheFileMostlyLiveWhileCommandsRunAndLosesNothing() throws Exception {
        HostPort address = Loopback.freeAddress();
        // passes only when the test runs one
        StoreConfig config = new StoreConfig("store-test", address, null, "rs0", dir, null, false, 60,
                Duration.ofHours(1));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        int devices = 100;
        int written;
        try (EmbeddedStore store = EmbeddedStore.start(config, registry);
             MongoClient client = client(store.connectionString())) {
            store.mvStore().setRetentionTime(0); // H2 rewrites no chunk younger than this; 45 s by default
            MongoCollection<Document> c = client.getDatabase("t").getCollection("c");
            c.createIndex(Indexes.ascending("device", "ts"));
            // telemetry's shape: small batches spread over devices, so each commit rewrites a leaf per device
            int seq = 0;
            for (int batch = 0; batch < 600; batch++) {
                List<Document> docs = new ArrayList<>();
                for (int k = 0; k < 4; k++, seq++) {
                    docs.add(new Document("_id", seq).append("device", "d" + (seq * 37 % devices)).append("ts", seq)
                            .append("payload", "x".repeat(100)));
                }
                c.insertMany(docs);
            }
            int before = store.mvStore().getFileStore().getChunksFillRate();
            assertThat(before).as("chunks fill before compaction, %").isLessThan(60);

            // a client keeps writing and reading through every compaction step
            AtomicInteger next = new AtomicInteger(seq);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = new Thread(() -> {
                try {
                    while (!stop.get() && next.get() < 20_000) {
                        int id = next.getAndIncrement();
                        c.insertOne(new Document("_id", id).append("device", "d" + (id * 37 % devices))
                                .append("ts", id).append("payload", "x".repeat(100)));
                        assertThat(c.find(new Document("device", "d" + (id * 37 % devices))).first()).isNotNull();
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            }, "compaction-test-writer");
            writer.start();
            try {
                for (int i = 0; i < 5; i++) {
                    store.compactor().pass();
                }
            } finally {
                stop.set(true);
                writer.join(60_000);
            }
            assertThat(failure.get()).as("client error during compaction").isNull();
            store.compactor().pass();
            assertThat(store.mvStore().getFileStore().getChunksFillRate()).as("chunks fill after, %")
                    .isGreaterThanOrEqualTo(60);
            assertThat(registry.get("colmeia_store_compactions_total").counter().count()).isPositive();
            written = next.get();
            assertThat(c.countDocuments()).isEqualTo(written);
        }
        try (EmbeddedStore store = EmbeddedStore.start(config, new SimpleMeterRegistry());
             MongoClient client = client(store.connectionString())) {
            MongoCollection<Document> c = client.getDatabase("t").getCollection("c");
            assertThat(c.countDocuments()).isEqualTo(written);
            long viaIndex = 0;
            for (int d = 0; d < devices; d++) {
                viaIndex += c.countDocuments(new Document("device", "d" + d));
            }
            assertThat(viaIndex).isEqualTo(written);
        }
    }

    @Test
    void compactionSettingsAreChecked() {
        HostPort address = Loopback.freeAddress();
        assertThatThrownBy(() -> new StoreConfig("s", address, null, "rs0", dir, null, false, 96, Duration.ofSeconds(10)))
                .isInstanceOfSatisfying(InvalidConfigurationException.class,
                        e -> assertThat(e.option()).isEqualTo("--compact-below"));
        assertThatThrownBy(() -> new StoreConfig("s", address, null, "rs0", dir, null, false, 60, Duration.ZERO))
                .isInstanceOfSatisfying(InvalidConfigurationException.class,
                        e -> assertThat(e.option()).isEqualTo("--compact-interval"));
    }

    @Test
    void uniqueIndexIsEnforced() {
        try (EmbeddedStore store = EmbeddedStore.start(config(Loopback.freeAddress(), dir), new SimpleMeterRegistry());
             MongoClient client = client(store.connectionString())) {
            MongoCollection<Document> c = client.getDatabase("t").getCollection("c");
            c.createIndex(Indexes.ascending("k"), new IndexOptions().unique(true));
            c.insertOne(new Document("k", 1));
            assertThatThrownBy(() -> c.insertOne(new Document("k", 1)))
                    .isInstanceOfSatisfying(MongoWriteException.class,
                            e -> assertThat(e.getError().getCode()).isEqualTo(11000));
        }
    }

    @Test
    void dataSurvivesARestart() {
        HostPort address = Loopback.freeAddress();
        try (EmbeddedStore store = EmbeddedStore.start(config(address, dir), new SimpleMeterRegistry());
             MongoClient client = client(store.connectionString())) {
            client.getDatabase("t").getCollection("c").insertOne(new Document("_id", "kept"));
        }
        try (EmbeddedStore store = EmbeddedStore.start(config(address, dir), new SimpleMeterRegistry());
             MongoClient client = client(store.connectionString())) {
            assertThat(client.getDatabase("t").getCollection("c").countDocuments()).isEqualTo(1);
        }
    }

    /**
     * The store keeps the BSON of recently written documents to rewrite pages without encoding them again; an
     * updated or replaced document must still be stored with its new content when its page is rewritten later.
     */
    @Test
    void updatedDocumentsKeepTheirNewContentWhenTheirPagesAreRewrittenAndAfterARestart() {
        HostPort address = Loopback.freeAddress();
        int count = 3000;
        java.util.List<Integer> order = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            order.add(i);
        }
        java.util.Collections.shuffle(order, new java.util.Random(42));
        try (EmbeddedStore store = EmbeddedStore.start(config(address, dir), new SimpleMeterRegistry());
             MongoClient client = client(store.connectionString())) {
            MongoCollection<Document> c = client.getDatabase("t").getCollection("c");
            for (int from = 0; from < count; from += 100) {
                java.util.List<Document> batch = new java.util.ArrayList<>();
                for (int i : order.subList(from, from + 100)) {
                    batch.add(new Document("_id", String.format("00000001%06d", i)).append("v", "first " + i));
                }
                c.insertMany(batch); // ids of one "second", in random order: each batch rewrites many pages
                if (from % 500 == 0) {
                    for (int i = from; i < count; i += 7) { // change documents that later batches rewrite
                        c.updateOne(new Document("_id", String.format("00000001%06d", i)),
                                new Document("$set", new Document("v", "updated " + i)));
                    }
                    c.replaceOne(new Document("_id", String.format("00000001%06d", from + 3)),
                            new Document("v", "replaced " + (from + 3)));
                }
            }
        }
        try (EmbeddedStore store = EmbeddedStore.start(config(address, dir), new SimpleMeterRegistry());
             MongoClient client = client(store.connectionString())) {
            java.util.Map<String, String> expected = new java.util.HashMap<>();
            for (int i = 0; i < count; i++) {
                expected.put(String.format("00000001%06d", i), "first " + i);
            }
            // replay what the first store did, in the same order, to know each document's last content
            for (int from = 0; from < count; from += 100) {
                if (from % 500 == 0) {
                    java.util.Set<Integer> present = new java.util.HashSet<>(order.subList(0, from + 100));
                    for (int i = from; i < count; i += 7) {
                        if (present.contains(i)) {
                            expected.put(String.format("00000001%06d", i), "updated " + i);
                        }
                    }
                    if (present.contains(from + 3)) {
                        expected.put(String.format("00000001%06d", from + 3), "replaced " + (from + 3));
                    }
                }
            }
            java.util.Map<String, String> stored = new java.util.HashMap<>();
            for (Document d : client.getDatabase("t").getCollection("c").find()) {
                stored.put(d.getString("_id"), d.getString("v"));
            }
            java.util.Map<String, String> wrong = new java.util.TreeMap<>();
            expected.forEach((id, v) -> {
                if (!v.equals(stored.get(id))) {
                    wrong.put(id, "expected " + v + ", stored " + stored.get(id));
                }
            });
            assertThat(wrong).as("documents stored with the wrong content").isEmpty();
            assertThat(stored).hasSize(count);
        }
    }

    @Test
    void secondStoreOnTheSameDataDirIsRefused() {
        try (EmbeddedStore store = EmbeddedStore.start(config(Loopback.freeAddress(), dir), new SimpleMeterRegistry())) {
            assertThat(store.address()).isNotNull();
            assertThatThrownBy(() -> EmbeddedStore.start(config(Loopback.freeAddress(), dir),
                    new SimpleMeterRegistry()))
                    .isInstanceOfSatisfying(InvalidConfigurationException.class,
                            e -> assertThat(e.option()).isEqualTo("--data-dir"));
        }
    }

    @Test
    void busyListenAddressNamesTheOption() throws java.io.IOException {
        java.nio.file.Files.createDirectories(dir.resolve("other"));
        try (EmbeddedStore store = EmbeddedStore.start(config(Loopback.freeAddress(), dir), new SimpleMeterRegistry())) {
            assertThatThrownBy(() -> EmbeddedStore.start(config(store.address(), dir.resolve("other")),
                    new SimpleMeterRegistry()))
                    .isInstanceOfSatisfying(InvalidConfigurationException.class,
                            e -> assertThat(e.option()).isEqualTo("--listen"));
        }
    }
}

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

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

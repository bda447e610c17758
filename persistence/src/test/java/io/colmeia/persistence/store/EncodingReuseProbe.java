package io.colmeia.persistence.store;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.bson.Document;

/** Measurement tool (not a test): how often a commit reuses kept BSON, with telemetry-like ids of one second. */
public final class EncodingReuseProbe {
    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("probe");
        try (EmbeddedStore store = EmbeddedStore.start(EmbeddedStoreTest.config(io.colmeia.persistence.Loopback.freeAddress(), dir), new SimpleMeterRegistry());
             MongoClient client = EmbeddedStoreTest.client(store.connectionString())) {
            MongoCollection<Document> c = client.getDatabase("t").getCollection("c");
            long cpu0 = 0;
            for (int second = 0; second < 20; second++) {
                if (second == 4) {
                    BsonDocumentType.INSTANCE.reused.reset();
                    BsonDocumentType.INSTANCE.encodedAgain.reset();
                    cpu0 = System.nanoTime();
                }
                for (int b = 0; b < 10; b++) {
                    List<Document> batch = new ArrayList<>();
                    for (int i = 0; i < 500; i++) {
                        batch.add(new Document("_id", String.format("%010x%032x", 1000 + second,
                                ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE))
                                .append("mac", "A0:20:A6:15:F5:B5").append("temperature", 24.0)
                                .append("humidity", 32.0).append("luminosity", 847.0)
                                .append("meta", new Document("device", "A0:20:A6:15:F5:B5").append("clientId", "c-" + i)
                                        .append("topic", "sensors/c-" + i).append("node", "broker-1"))
                                .append("extra", new Document("seq", i).append("sentAtUs", System.nanoTime())));
                    }
                    c.insertMany(batch);
                }
            }
            long ms = (System.nanoTime() - cpu0) / 1_000_000;
            System.out.printf("reused %d, encoded %d, 80000 docs in %d ms%n", BsonDocumentType.INSTANCE.reused.sum(),
                    BsonDocumentType.INSTANCE.encodedAgain.sum(), ms);
        }
    }
}

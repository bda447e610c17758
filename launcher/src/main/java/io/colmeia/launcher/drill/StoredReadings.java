package io.colmeia.launcher.drill;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.model.Projections;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bson.Document;

/**
 * What the database holds for the drill's fleet: per device MAC, the set of seqs stored, and every (device, seq)
 * stored more than once. Read straight from the {@code telemetry} collection, as a skeptic would.
 */
record StoredReadings(Map<String, BitSet> stored, long documents, long storedTwice, List<String> storedTwiceSamples,
                      boolean readable) {

    StoredReadings(Map<String, BitSet> stored, long documents, long storedTwice, List<String> storedTwiceSamples) {
        this(stored, documents, storedTwice, storedTwiceSamples, true);
    }

    /** The database could not be read: nothing about guarantee 1 can be said. */
    static StoredReadings unreadable() {
        return new StoredReadings(Map.of(), 0, 0, List.of(), false);
    }

    static StoredReadings read(String mongodbUri, String database, String macPrefix) {
        Map<String, BitSet> stored = new HashMap<>();
        Map<String, BitSet> twice = new HashMap<>();
        long documents = 0;
        long storedTwice = 0;
        List<String> samples = new ArrayList<>();
        try (MongoClient client = MongoClients.create(mongodbUri);
             MongoCursor<Document> cursor = client.getDatabase(database).getCollection("telemetry").find()
                     .projection(Projections.include("mac", "extra.seq")).batchSize(10_000).iterator()) {
            while (cursor.hasNext()) {
                Document d = cursor.next();
                String mac = d.getString("mac");
                Document extra = d.get("extra", Document.class);
                Object seq = extra == null ? null : extra.get("seq");
                if (mac == null || !mac.startsWith(macPrefix) || !(seq instanceof Number n)) {
                    continue; // not a reading of this drill's fleet
                }
                long s = n.longValue();
                if (s < 1 || s > Integer.MAX_VALUE - 1) {
                    continue;
                }
                documents++;
                BitSet seen = stored.computeIfAbsent(mac, k -> new BitSet());
                if (seen.get((int) s)) {
                    storedTwice++;
                    twice.computeIfAbsent(mac, k -> new BitSet()).set((int) s);
                    if (samples.size() < 20) {
                        samples.add(mac + "#" + s);
                    }
                } else {
                    seen.set((int) s);
                }
            }
        }
        return new StoredReadings(stored, documents, storedTwice, samples);
    }

    boolean contains(String mac, int seq) {
        BitSet seen = stored.get(mac);
        return seen != null && seen.get(seq);
    }

    long unique() {
        return stored.values().stream().mapToLong(BitSet::cardinality).sum();
    }
}

package io.colmeia.persistence.store;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.backend.AbstractSynchronizedMongoDatabase;
import de.bwaldvogel.mongo.backend.AbstractUniqueIndex;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.backend.Missing;
import de.bwaldvogel.mongo.backend.h2.H2Collection;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.oplog.Oplog;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.h2.mvstore.FileStore;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A database of the embedded store in the H2 file, with documents stored as BSON ({@link BsonDocumentType}) and
 * unique-index keys compared in MongoDB's order ({@link KeyValueType}) instead of mongo-java-server's
 * Java-serialized maps. The map names carry a {@code #bson} / {@code #index#} mark; a file written with the old
 * layout is converted when its database is opened (documents copied, indexes rebuilt from them).
 */
final class CompactH2Database extends AbstractSynchronizedMongoDatabase<Object> {

    private static final Logger LOG = LoggerFactory.getLogger(CompactH2Database.class);
    /** mongo-java-server's prefixes; the H2 backend finds existing databases by the data prefix. */
    static final String DATA_PREFIX = "databases.";
    private static final String META_PREFIX = "meta.";
    private static final String DATA_MARK = "#bson";
    private static final String INDEX_MARK = "#index#";
    private static final String LEGACY_INDEX_MARK = "._index_";

    private final MVStore mvStore;

    CompactH2Database(String databaseName, MVStore mvStore, CursorRegistry cursorRegistry) {
        super(databaseName, cursorRegistry);
        this.mvStore = mvStore;
        convertLegacyMaps();
        initializeNamespacesAndIndexes();
    }

    private String namespace(String collectionName) {
        return getFullCollectionNamespace(collectionName);
    }

    private MVMap<Object, Document> dataMap(String namespace) {
        return mvStore.openMap(DATA_PREFIX + namespace + DATA_MARK, new DocumentMap.Builder());
    }

    private MVMap<String, Object> metaMap(String namespace) {
        return mvStore.openMap(META_PREFIX + namespace);
    }

    private String indexMapName(String collectionName, String indexName) {
        return namespace(collectionName) + INDEX_MARK + indexName;
    }

    private void convertLegacyMaps() {
        int converted = 0;
        for (String name : new ArrayList<>(mvStore.getMapNames())) {
            if (name.startsWith(DATA_PREFIX + databaseName + ".") && !name.endsWith(DATA_MARK)) {
                MVMap<Object, Document> legacy = mvStore.openMap(name);
                MVMap<Object, Document> map = dataMap(name.substring(DATA_PREFIX.length()));
                for (Map.Entry<Object, Document> entry : legacy.entrySet()) {
                    map.put(entry.getKey(), entry.getValue());
                }
                mvStore.removeMap(legacy);
                converted++;
            } else if (name.startsWith(databaseName + ".") && name.contains(LEGACY_INDEX_MARK)) {
                mvStore.removeMap(name); // rebuilt from the documents when the collection is opened
            }
        }
        if (converted > 0) {
            mvStore.commit();
            LOG.warn("database '{}': converted {} collection(s) from the old file layout (Java-serialized) to BSON;"
                    + " indexes are rebuilt from the documents", databaseName, converted);
        }
    }

    @Override
    protected MongoCollection<Object> openOrCreateCollection(String collectionName, CollectionOptions options) {
        String namespace = namespace(collectionName);
        return new H2Collection(this, collectionName, options, dataMap(namespace), metaMap(namespace),
                cursorRegistry);
    }

    @Override
    protected Index<Object> openOrCreateUniqueIndex(String collectionName, String indexName, List<IndexKey> keys,
                                                    boolean sparse) {
        MVMap<KeyValue, Object> map = mvStore.openMap(indexMapName(collectionName, indexName),
                new MVMap.Builder<KeyValue, Object>().keyType(KeyValueType.INSTANCE));
        return new UniqueIndex(map, indexName, keys, sparse);
    }

    @Override
    protected void dropIndex(MongoCollection<Object> collection, String indexName) {
        super.dropIndex(collection, indexName);
        mvStore.removeMap(indexMapName(collection.getCollectionName(), indexName));
    }

    @Override
    public void dropCollection(String collectionName, Oplog oplog) {
        super.dropCollection(collectionName, oplog);
        String namespace = namespace(collectionName);
        mvStore.removeMap(dataMap(namespace));
        mvStore.removeMap(metaMap(namespace));
    }

    @Override
    public void drop(Oplog oplog) {
        super.drop(oplog);
        for (String name : new ArrayList<>(mvStore.getMapNames())) {
            if (name.startsWith(databaseName + ".") || name.startsWith(DATA_PREFIX + databaseName + ".")
                    || name.startsWith(META_PREFIX + databaseName + ".")) {
                mvStore.removeMap(name);
            }
        }
    }

    @Override
    protected long getStorageSize() {
        FileStore<?> fileStore = mvStore.getFileStore();
        return fileStore == null ? 0 : fileStore.size();
    }

    @Override
    protected long getFileSize() {
        return getStorageSize();
    }

    /** A unique index in one H2 map from key to the document's position (its {@code _id}). */
    private static final class UniqueIndex extends AbstractUniqueIndex<Object> {

        private final MVMap<KeyValue, Object> map;

        UniqueIndex(MVMap<KeyValue, Object> map, String name, List<IndexKey> keys, boolean sparse) {
            super(name, keys, sparse);
            this.map = map;
        }

        @Override
        protected Object removeDocument(KeyValue key) {
            return map.remove(key);
        }

        @Override
        protected boolean putKeyPosition(KeyValue key, Object position) {
            return map.putIfAbsent(key, Missing.ofNullable(position)) == null;
        }

        @Override
        protected Iterable<Map.Entry<KeyValue, Object>> getIterable() {
            return map.entrySet();
        }

        @Override
        protected Object getPosition(KeyValue key) {
            return map.get(key);
        }

        @Override
        public long getCount() {
            return map.sizeAsLong();
        }

        @Override
        public boolean isEmpty() {
            return map.isEmpty();
        }

        @Override
        public long getDataSize() {
            return getCount();
        }
    }
}

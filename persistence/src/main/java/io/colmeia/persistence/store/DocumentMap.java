package io.colmeia.persistence.store;

import de.bwaldvogel.mongo.bson.Document;
import java.util.Map;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.type.DataType;

/**
 * A collection's documents in H2. mongo-java-server updates a stored document in place and then puts the same
 * object again, so every put tells {@link BsonDocumentType} to forget the BSON it kept for that object: the next
 * commit encodes its new content.
 */
final class DocumentMap extends MVMap<Object, Document> {

    private DocumentMap(Map<String, Object> config, DataType<Object> keyType, DataType<Document> valueType) {
        super(config, keyType, valueType);
    }

    @Override
    public Document operate(Object key, Document value, DecisionMaker<? super Document> decisionMaker) {
        // put, putIfAbsent, replace and remove all come through here
        if (value != null) {
            BsonDocumentType.INSTANCE.forget(value);
        }
        return super.operate(key, value, decisionMaker);
    }

    /** Opens (or creates) a document map with BSON values. */
    static final class Builder extends MVMap.Builder<Object, Document> {

        Builder() {
            valueType(BsonDocumentType.INSTANCE);
        }

        @Override
        protected MVMap<Object, Document> create(Map<String, Object> config) {
            config.put("singleWriter", false);
            Object type = config.get("type");
            if (type != null && !type.equals("rtree")) {
                throw new IllegalArgumentException("Incompatible map type " + type);
            }
            return new DocumentMap(config, getKeyType(), getValueType());
        }
    }
}

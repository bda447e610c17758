package io.colmeia.persistence.store;

import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.backend.Missing;
import de.bwaldvogel.mongo.backend.ValueComparator;
import de.bwaldvogel.mongo.bson.Document;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.BasicDataType;

/**
 * Keys of unique indexes (such as {@code _id}), ordered by MongoDB's value order and stored as BSON. H2's default
 * type compares such keys by Java-serializing both sides on every comparison of every lookup: that, not the
 * disk, limited an insert into a large collection to a few hundred documents per second.
 */
final class KeyValueType extends BasicDataType<KeyValue> {

    static final KeyValueType INSTANCE = new KeyValueType();
    private static final Comparator<Object> VALUES = ValueComparator.ascWithoutListHandling();
    private static final String VALUE = "v";
    private static final byte MISSING = 0;
    private static final byte STRING = 1;
    private static final byte BSON = 2;

    private KeyValueType() {
    }

    @Override
    public int compare(KeyValue a, KeyValue b) {
        int n = Math.min(a.size(), b.size());
        for (int i = 0; i < n; i++) {
            Object x = a.get(i);
            Object y = b.get(i);
            boolean xMissing = x instanceof Missing;
            boolean yMissing = y instanceof Missing;
            int c = xMissing || yMissing ? Boolean.compare(!xMissing, !yMissing) : VALUES.compare(x, y);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    }

    @Override
    public int getMemory(KeyValue key) {
        return 48 + 32 * key.size();
    }

    @Override
    public void write(WriteBuffer buffer, KeyValue key) {
        // Per value a tag, then a string as such (the common case: _id strings) or anything else as BSON {v: value}.
        buffer.putVarInt(key.size());
        for (Object value : key) {
            if (value instanceof Missing) {
                buffer.put(MISSING);
            } else if (value instanceof String text) {
                buffer.put(STRING);
                buffer.putVarInt(text.length());
                buffer.putStringData(text, text.length());
            } else {
                buffer.put(BSON);
                BsonDocumentType.INSTANCE.write(buffer, new Document(VALUE, value));
            }
        }
    }

    @Override
    public KeyValue read(ByteBuffer buffer) {
        int size = DataUtils.readVarInt(buffer);
        List<Object> values = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            byte tag = buffer.get();
            switch (tag) {
                case MISSING -> values.add(Missing.getInstance());
                case STRING -> values.add(DataUtils.readString(buffer, DataUtils.readVarInt(buffer)));
                case BSON -> values.add(BsonDocumentType.INSTANCE.read(buffer).get(VALUE));
                default -> throw new IllegalStateException("corrupt index key: unknown value tag " + tag);
            }
        }
        return new KeyValue(values);
    }

    @Override
    public KeyValue[] createStorage(int size) {
        return new KeyValue[size];
    }
}

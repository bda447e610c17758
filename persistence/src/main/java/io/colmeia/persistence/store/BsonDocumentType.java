package io.colmeia.persistence.store;

import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.bson.BsonDecoder;
import de.bwaldvogel.mongo.wire.bson.BsonEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.BasicDataType;

/**
 * Stored documents as BSON in the H2 file. H2's default type Java-serializes them, which cost more CPU than
 * the rest of an insert; BSON is the wire format the store already parses, so it round-trips every type.
 *
 * <p>H2 writes pages copy-on-write: every commit rewrites each leaf page it touched with all the documents in it.
 * Ids that share a time prefix (one second of readings) land at random places among that second's leaves, so a
 * commit of a few hundred documents rewrote some thousands of unchanged ones, and encoding them again was a third
 * of the store's CPU (JFR) and much of its garbage. The BSON of documents encoded lately is therefore kept, by
 * identity. mongo-java-server changes a stored document in place on update and puts it again: {@link DocumentMap}
 * calls {@link #forget} on every put, so the next commit encodes the new content.
 */
final class BsonDocumentType extends BasicDataType<Document> {

    static final BsonDocumentType INSTANCE = new BsonDocumentType();
    private static final int MAX_KEPT_BUFFER = 64 * 1024;
    private static final ThreadLocal<ByteBuf> ENCODE_BUFFER =
            ThreadLocal.withInitial(() -> Unpooled.buffer(1024));
    /** About the documents of the last second or two at full speed; a few MB. */
    static final int KEPT_ENCODINGS = 8192;
    private static final int MAX_KEPT_ENCODING = 16 * 1024;

    /** Guarded by itself: BSON by document identity, oldest first out. */
    private final IdentityHashMap<Document, byte[]> encoded = new IdentityHashMap<>();
    private final ArrayDeque<Document> encodedOrder = new ArrayDeque<>();
    /** Documents written with kept BSON, and encoded (for tests and measurements). */
    final LongAdder reused = new LongAdder();
    final LongAdder encodedAgain = new LongAdder();

    private BsonDocumentType() {
    }

    @Override
    public int getMemory(Document document) {
        return 64 + 48 * document.size(); // an estimate for H2's cache accounting, not an exact size
    }

    @Override
    public void write(WriteBuffer buffer, Document document) {
        byte[] kept;
        synchronized (encoded) {
            kept = encoded.get(document);
        }
        if (kept != null) {
            reused.increment();
            buffer.putVarInt(kept.length);
            buffer.put(kept);
            return;
        }
        // One reused buffer per thread: a fresh Netty buffer per document cost a fifth of a commit's CPU
        // (allocation, and the allocator's shared counters).
        encodedAgain.increment();
        ByteBuf bson = ENCODE_BUFFER.get();
        bson.clear();
        BsonEncoder.encodeDocument(document, bson);
        int length = bson.readableBytes();
        buffer.putVarInt(length);
        buffer.put(bson.array(), bson.arrayOffset() + bson.readerIndex(), length);
        if (length <= MAX_KEPT_ENCODING) {
            keep(document, Arrays.copyOfRange(bson.array(), bson.arrayOffset() + bson.readerIndex(),
                    bson.arrayOffset() + bson.readerIndex() + length));
        }
        if (bson.capacity() > MAX_KEPT_BUFFER) {
            ENCODE_BUFFER.remove(); // a rare large document: do not keep its buffer for ever
            bson.release();
        }
    }

    private void keep(Document document, byte[] bson) {
        synchronized (encoded) {
            if (encoded.put(document, bson) == null) {
                encodedOrder.addLast(document);
                if (encodedOrder.size() > KEPT_ENCODINGS) {
                    encoded.remove(encodedOrder.removeFirst());
                }
            }
        }
    }

    /** {@code document} is being put (new, or changed in place): its kept BSON, if any, is stale. */
    void forget(Document document) {
        synchronized (encoded) {
            encoded.remove(document); // its place in encodedOrder goes when it is the oldest
        }
    }

    /** How many encodings are kept (for tests). */
    int keptEncodings() {
        synchronized (encoded) {
            return encoded.size();
        }
    }

    @Override
    public Document read(ByteBuffer buffer) {
        int length = DataUtils.readVarInt(buffer);
        ByteBuffer slice = buffer.slice();
        slice.limit(length);
        buffer.position(buffer.position() + length);
        return BsonDecoder.decodeBson(Unpooled.wrappedBuffer(slice));
    }

    @Override
    public Document[] createStorage(int size) {
        return new Document[size];
    }
}

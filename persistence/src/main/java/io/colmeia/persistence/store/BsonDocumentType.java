package io.colmeia.persistence.store;

import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.bson.BsonDecoder;
import de.bwaldvogel.mongo.wire.bson.BsonEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.BasicDataType;

/**
 * Stored documents as BSON in the H2 file. H2's default type Java-serializes them, which cost more CPU than
 * the rest of an insert; BSON is the wire format the store already parses, so it round-trips every type.
 */
final class BsonDocumentType extends BasicDataType<Document> {

    static final BsonDocumentType INSTANCE = new BsonDocumentType();
    private static final int MAX_KEPT_BUFFER = 64 * 1024;
    private static final ThreadLocal<ByteBuf> ENCODE_BUFFER =
            ThreadLocal.withInitial(() -> Unpooled.buffer(1024));

    private BsonDocumentType() {
    }

    @Override
    public int getMemory(Document document) {
        return 64 + 48 * document.size(); // an estimate for H2's cache accounting, not an exact size
    }

    @Override
    public void write(WriteBuffer buffer, Document document) {
        // One reused buffer per thread: a fresh Netty buffer per document cost a fifth of a commit's CPU
        // (allocation, and the allocator's shared counters).
        ByteBuf bson = ENCODE_BUFFER.get();
        bson.clear();
        BsonEncoder.encodeDocument(document, bson);
        int length = bson.readableBytes();
        buffer.putVarInt(length);
        buffer.put(bson.array(), bson.arrayOffset() + bson.readerIndex(), length);
        if (bson.capacity() > MAX_KEPT_BUFFER) {
            ENCODE_BUFFER.remove(); // a rare large document: do not keep its buffer for ever
            bson.release();
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

package io.colmeia.persistence.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local write-ahead spool: an append-only file of framed records, fsync'd before an append returns, read
 * back in the order written.
 *
 * <p>File layout: the 8-byte magic {@code CLMSPL01}, then records, each {@code [int length][int CRC32C of the
 * body][body]} (big-endian). On open the file is scanned; the first frame that is incomplete (a write torn by
 * a crash) or whose checksum does not match ends the valid part: it and everything after it are truncated,
 * with a log line saying how many bytes. Records are never rewritten in place: replay moves a read position,
 * and once everything is replayed the file is truncated back to its header. The read position is not
 * persisted: after a crash, replay starts again at the first record, which is safe because every record has
 * a deterministic id and duplicates count as written.
 *
 * <p>All methods are thread-safe (one lock); one process owns a spool directory (an OS file lock).
 */
public final class Spool implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Spool.class);

    public static final String FILE_NAME = "telemetry.spool";
    static final byte[] MAGIC = "CLMSPL01".getBytes(StandardCharsets.US_ASCII);
    static final int HEADER = MAGIC.length;
    static final int FRAME_OVERHEAD = 8;
    /** Larger than any BSON document MongoDB accepts (16 MiB) plus its envelope. */
    static final int MAX_RECORD = 17 * 1024 * 1024;

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;
    private final long maxBytes;
    private long readPos;
    private long writePos;
    private long pending;
    private boolean closed;

    private Spool(Path file, FileChannel channel, FileLock lock, long maxBytes, long end, long records) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
        this.maxBytes = maxBytes;
        this.readPos = HEADER;
        this.writePos = end;
        this.pending = records;
    }

    /** A chunk of records read from the head of the spool; pass it to {@link #release} once written. */
    public record Chunk(List<byte[]> records, long end) {
    }

    /** Thrown when an append would make the spool larger than its limit; nothing was written. */
    public static final class SpoolFullException extends IOException {
        public SpoolFullException(String message) {
            super(message);
        }
    }

    /**
     * Opens (creating if needed) the spool in {@code dir}, truncating a torn or corrupt tail.
     *
     * @throws IOException when the file cannot be used (including: another process holds it)
     */
    public static Spool open(Path dir, long maxBytes) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(FILE_NAME);
        boolean created = !Files.exists(file);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            channel.close();
            throw new IOException(file + " is in use by another process (each broker needs its own spool directory)");
        }
        try {
            long size = channel.size();
            if (size < HEADER) {
                if (size > 0) {
                    LOG.warn("spool {}: header torn ({} bytes); starting an empty spool", file, size);
                }
                channel.truncate(0);
                channel.write(ByteBuffer.wrap(MAGIC), 0);
                channel.force(true);
                if (created) {
                    syncDirectory(dir);
                }
                return new Spool(file, channel, lock, maxBytes, HEADER, 0);
            }
            ByteBuffer magic = ByteBuffer.allocate(HEADER);
            readFully(channel, magic, 0);
            if (!Arrays.equals(magic.array(), MAGIC)) {
                throw new IOException(file + " is not a colmeia spool (bad magic); move it away");
            }
            long[] scan = scan(channel, size);
            long end = scan[0];
            if (end < size) {
                LOG.warn("spool {}: torn or corrupt tail at offset {} ({}); truncated {} byte(s), {} record(s) kept",
                        file, end, scan[2] == 1 ? "incomplete frame" : "checksum or length mismatch",
                        size - end, scan[1]);
                channel.truncate(end);
                channel.force(true);
            } else if (scan[1] > 0) {
                LOG.info("spool {}: {} record(s), {} byte(s) waiting to be replayed", file, scan[1], end - HEADER);
            }
            return new Spool(file, channel, lock, maxBytes, end, scan[1]);
        } catch (IOException | RuntimeException e) {
            lock.release();
            channel.close();
            throw e;
        }
    }

    /** Returns {end of valid data, records, 1 if the tail was incomplete else 0}. */
    private static long[] scan(FileChannel channel, long size) throws IOException {
        long pos = HEADER;
        long records = 0;
        ByteBuffer head = ByteBuffer.allocate(FRAME_OVERHEAD);
        CRC32C crc = new CRC32C();
        while (pos < size) {
            if (size - pos < FRAME_OVERHEAD) {
                return new long[] {pos, records, 1};
            }
            head.clear();
            readFully(channel, head, pos);
            head.flip();
            int length = head.getInt();
            int checksum = head.getInt();
            if (length < 0 || length > MAX_RECORD) {
                return new long[] {pos, records, 0};
            }
            if (size - pos - FRAME_OVERHEAD < length) {
                return new long[] {pos, records, 1};
            }
            ByteBuffer body = ByteBuffer.allocate(length);
            readFully(channel, body, pos + FRAME_OVERHEAD);
            crc.reset();
            crc.update(body.array(), 0, length);
            if ((int) crc.getValue() != checksum) {
                return new long[] {pos, records, 0};
            }
            pos += FRAME_OVERHEAD + length;
            records++;
        }
        return new long[] {pos, records, 0};
    }

    /**
     * Appends the records and fsyncs; when this returns they survive a crash.
     *
     * @throws SpoolFullException when they do not fit under the size limit (nothing written)
     */
    public synchronized void append(List<byte[]> records) throws IOException {
        ensureOpen();
        long bytes = 0;
        for (byte[] r : records) {
            if (r.length > MAX_RECORD) {
                throw new IOException("record of " + r.length + " bytes is larger than " + MAX_RECORD);
            }
            bytes += FRAME_OVERHEAD + r.length;
        }
        if (writePos - HEADER + bytes > maxBytes) {
            throw new SpoolFullException("spool " + file + " is full (" + (writePos - HEADER) + " of " + maxBytes
                    + " bytes used; " + bytes + " more needed)");
        }
        int largest = 0;
        for (byte[] r : records) {
            largest = Math.max(largest, r.length);
        }
        ByteBuffer buffer = ByteBuffer.allocate((int) Math.max(Math.min(bytes, 4L << 20), largest + FRAME_OVERHEAD));
        CRC32C crc = new CRC32C();
        long pos = writePos;
        try {
            for (byte[] r : records) {
                if (buffer.remaining() < FRAME_OVERHEAD + r.length) {
                    pos = flush(buffer, pos);
                }
                crc.reset();
                crc.update(r, 0, r.length);
                buffer.putInt(r.length).putInt((int) crc.getValue()).put(r);
            }
            pos = flush(buffer, pos);
            channel.force(false);
        } catch (IOException e) {
            // Not durable: forget what we wrote so it is neither acknowledged nor replayed as if it were.
            try {
                channel.truncate(writePos);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        writePos = pos;
        pending += records.size();
    }

    private long flush(ByteBuffer buffer, long pos) throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            pos += channel.write(buffer, pos);
        }
        buffer.clear();
        return pos;
    }

    /** Appends only when records are waiting to be replayed (to keep order); false means: write directly. */
    public synchronized boolean appendIfNotEmpty(List<byte[]> records) throws IOException {
        if (isEmpty()) {
            return false;
        }
        append(records);
        return true;
    }

    /** Up to {@code max} records from the head, in the order they were appended; empty when none wait. */
    public synchronized Chunk peek(int max) throws IOException {
        ensureOpen();
        List<byte[]> out = new ArrayList<>();
        long pos = readPos;
        ByteBuffer head = ByteBuffer.allocate(FRAME_OVERHEAD);
        while (pos < writePos && out.size() < max) {
            head.clear();
            readFully(channel, head, pos);
            head.flip();
            int length = head.getInt();
            head.getInt();
            ByteBuffer body = ByteBuffer.allocate(length);
            readFully(channel, body, pos + FRAME_OVERHEAD);
            out.add(body.array());
            pos += FRAME_OVERHEAD + length;
        }
        return new Chunk(out, pos);
    }

    /** Marks a chunk as written; when the spool is then empty, the file is truncated back to its header. */
    public synchronized void release(Chunk chunk) throws IOException {
        ensureOpen();
        if (chunk.end() <= readPos) {
            return;
        }
        readPos = chunk.end();
        pending -= chunk.records().size();
        if (readPos >= writePos) {
            channel.truncate(HEADER);
            channel.force(true);
            readPos = HEADER;
            writePos = HEADER;
            pending = 0;
        }
    }

    public synchronized boolean isEmpty() {
        return writePos <= readPos;
    }

    /** Bytes of records not yet replayed. */
    public synchronized long bytes() {
        return writePos - readPos;
    }

    /** Records not yet replayed. */
    public synchronized long records() {
        return pending;
    }

    public Path file() {
        return file;
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("spool " + file + " is closed");
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long pos) throws IOException {
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, pos + buffer.position());
            if (n < 0) {
                throw new IOException("unexpected end of spool file at offset " + (pos + buffer.position()));
            }
        }
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            LOG.debug("cannot fsync directory {}: {}", dir, e.toString());
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            lock.release();
        } catch (IOException e) {
            LOG.debug("releasing spool lock: {}", e.toString());
        }
        try {
            channel.close();
        } catch (IOException e) {
            LOG.warn("closing spool {}: {}", file, e.toString());
        }
    }
}

package io.colmeia.broker.cluster.link;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.CorruptedFrameException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Encodes and decodes frame bodies (after the length prefix). Pure functions on buffers, unit-tested. */
public final class FrameCodec {

    static final byte HELLO = 1;
    static final byte WELCOME = 2;
    static final byte REJECT = 3;
    static final byte PING = 4;
    static final byte ROUTES_FULL = 5;
    static final byte ROUTE_ADD = 6;
    static final byte ROUTE_REMOVE = 7;
    static final byte PUBLISH = 8;
    static final byte ACK = 9;
    static final byte RETAINED = 10;
    static final byte SHARES_FULL = 11;
    static final byte SHARE_COUNT = 12;

    private static final int RETAIN_FLAG = 0x04;

    private FrameCodec() {
    }

    public static void encode(Frame frame, ByteBuf out) {
        if (frame instanceof Frame.Hello h) {
            out.writeByte(HELLO);
            out.writeShort(h.version());
            writeString(out, h.nodeId());
            out.writeLong(h.incarnation());
            out.writeShort(h.clusterPort());
        } else if (frame instanceof Frame.Welcome w) {
            out.writeByte(WELCOME);
            writeString(out, w.nodeId());
            out.writeLong(w.incarnation());
        } else if (frame instanceof Frame.Reject r) {
            out.writeByte(REJECT);
            out.writeByte(r.reason().ordinal());
            writeString(out, r.nodeId());
            writeString(out, r.detail());
        } else if (frame instanceof Frame.Ping) {
            out.writeByte(PING);
        } else if (frame instanceof Frame.RoutesFull r) {
            out.writeByte(ROUTES_FULL);
            out.writeInt(r.filters().size());
            r.filters().forEach(f -> writeString(out, f));
        } else if (frame instanceof Frame.RouteAdd r) {
            out.writeByte(ROUTE_ADD);
            writeString(out, r.filter());
        } else if (frame instanceof Frame.RouteRemove r) {
            out.writeByte(ROUTE_REMOVE);
            writeString(out, r.filter());
        } else if (frame instanceof Frame.Publish p) {
            out.writeByte(PUBLISH);
            out.writeLong(p.seq());
            out.writeBoolean(p.plain());
            out.writeShort(p.shareKeys().size());
            p.shareKeys().forEach(k -> writeString(out, k));
            writeMessage(out, p.message());
        } else if (frame instanceof Frame.SharesFull f) {
            out.writeByte(SHARES_FULL);
            out.writeInt(f.counts().size());
            f.counts().forEach((k, c) -> {
                writeString(out, k);
                out.writeInt(c);
            });
        } else if (frame instanceof Frame.ShareCount c) {
            out.writeByte(SHARE_COUNT);
            writeString(out, c.key());
            out.writeInt(c.count());
        } else if (frame instanceof Frame.Ack a) {
            out.writeByte(ACK);
            out.writeLong(a.seq());
        } else if (frame instanceof Frame.Retained r) {
            out.writeByte(RETAINED);
            writeMessage(out, r.message());
        } else {
            throw new IllegalArgumentException("unknown frame " + frame);
        }
    }

    /** Decodes one frame body; throws {@link CorruptedFrameException} for anything malformed. */
    public static Frame decode(ByteBuf in) {
        try {
            byte type = in.readByte();
            Frame frame = switch (type) {
                case HELLO -> new Frame.Hello(in.readUnsignedShort(), readString(in), in.readLong(),
                        in.readUnsignedShort());
                case WELCOME -> new Frame.Welcome(readString(in), in.readLong());
                case REJECT -> {
                    int reason = in.readUnsignedByte();
                    Frame.RejectReason[] reasons = Frame.RejectReason.values();
                    if (reason >= reasons.length) {
                        throw new CorruptedFrameException("unknown reject reason " + reason);
                    }
                    yield new Frame.Reject(reasons[reason], readString(in), readString(in));
                }
                case PING -> new Frame.Ping();
                case ROUTES_FULL -> {
                    int n = in.readInt();
                    if (n < 0 || n > in.readableBytes() / 2) {
                        throw new CorruptedFrameException("bad route count " + n);
                    }
                    List<String> filters = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        filters.add(readString(in));
                    }
                    yield new Frame.RoutesFull(filters);
                }
                case ROUTE_ADD -> new Frame.RouteAdd(readString(in));
                case ROUTE_REMOVE -> new Frame.RouteRemove(readString(in));
                case PUBLISH -> {
                    long seq = in.readLong();
                    boolean plain = in.readBoolean();
                    int n = in.readUnsignedShort();
                    if (n > in.readableBytes() / 2) {
                        throw new CorruptedFrameException("bad share key count " + n);
                    }
                    List<String> keys = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        keys.add(readString(in));
                    }
                    yield new Frame.Publish(seq, readMessage(in), plain, keys);
                }
                case SHARES_FULL -> {
                    int n = in.readInt();
                    if (n < 0 || n > in.readableBytes() / 6) {
                        throw new CorruptedFrameException("bad share group count " + n);
                    }
                    java.util.Map<String, Integer> counts = new java.util.HashMap<>();
                    for (int i = 0; i < n; i++) {
                        counts.put(readString(in), readCount(in));
                    }
                    yield new Frame.SharesFull(counts);
                }
                case SHARE_COUNT -> new Frame.ShareCount(readString(in), readCount(in));
                case ACK -> new Frame.Ack(in.readLong());
                case RETAINED -> new Frame.Retained(readMessage(in));
                default -> throw new CorruptedFrameException("unknown frame type " + type);
            };
            if (in.isReadable()) {
                throw new CorruptedFrameException(in.readableBytes() + " trailing bytes after frame type " + type);
            }
            return frame;
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            throw new CorruptedFrameException("malformed frame: " + e.getMessage(), e);
        }
    }

    private static void writeMessage(ByteBuf out, Message m) {
        out.writeByte(m.qos() | (m.retain() ? RETAIN_FLAG : 0));
        writeString(out, m.topic());
        writeBytes(out, m.payload());
        writeNullableString(out, m.contentType());
        writeNullableString(out, m.responseTopic());
        writeNullableBytes(out, m.correlationData());
        out.writeLong(m.messageExpiry());
        out.writeByte(m.payloadFormat());
        out.writeShort(m.userProperties().size() / 2);
        m.userProperties().forEach(s -> writeString(out, s));
    }

    private static Message readMessage(ByteBuf in) {
        int flags = in.readUnsignedByte();
        int qos = flags & 0x03;
        if (qos == 3 || (flags & ~0x07) != 0) {
            throw new CorruptedFrameException("bad publish flags " + flags);
        }
        String topic = readString(in);
        byte[] payload = readBytes(in);
        String contentType = readNullableString(in);
        String responseTopic = readNullableString(in);
        byte[] correlation = readNullableBytes(in);
        long expiry = in.readLong();
        int format = in.readByte();
        int pairs = in.readUnsignedShort();
        List<String> props = new ArrayList<>(Math.min(pairs * 2, 64));
        for (int i = 0; i < pairs * 2; i++) {
            props.add(readString(in));
        }
        return new Message(topic, qos, (flags & RETAIN_FLAG) != 0, payload, contentType, responseTopic,
                correlation, expiry, format, props);
    }

    private static int readCount(ByteBuf in) {
        int c = in.readInt();
        if (c < 0) {
            throw new CorruptedFrameException("negative member count " + c);
        }
        return c;
    }

    private static void writeString(ByteBuf out, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > 65535) {
            throw new IllegalArgumentException("string of " + bytes.length + " bytes is too long");
        }
        out.writeShort(bytes.length);
        out.writeBytes(bytes);
    }

    private static String readString(ByteBuf in) {
        int len = in.readUnsignedShort();
        return in.readCharSequence(len, StandardCharsets.UTF_8).toString();
    }

    private static void writeNullableString(ByteBuf out, String s) {
        out.writeBoolean(s != null);
        if (s != null) {
            writeString(out, s);
        }
    }

    private static String readNullableString(ByteBuf in) {
        return in.readBoolean() ? readString(in) : null;
    }

    private static void writeBytes(ByteBuf out, byte[] bytes) {
        out.writeInt(bytes.length);
        out.writeBytes(bytes);
    }

    private static byte[] readBytes(ByteBuf in) {
        int len = in.readInt();
        if (len < 0 || len > in.readableBytes()) {
            throw new CorruptedFrameException("bad length " + len);
        }
        byte[] bytes = new byte[len];
        in.readBytes(bytes);
        return bytes;
    }

    private static void writeNullableBytes(ByteBuf out, byte[] bytes) {
        out.writeBoolean(bytes != null);
        if (bytes != null) {
            writeBytes(out, bytes);
        }
    }

    private static byte[] readNullableBytes(ByteBuf in) {
        return in.readBoolean() ? readBytes(in) : null;
    }
}

package io.colmeia.ingress.connect;

import io.netty.buffer.ByteBuf;

/**
 * Finds the boundary of the first MQTT packet from its fixed header: type byte and variable-length
 * "remaining length" (1 to 4 bytes, 7 bits each). Pure and allocation-free; it never reads past
 * {@code writerIndex} and never moves the buffer's indexes.
 *
 * <p>The size bound is applied as soon as the declared length is known, so an oversized CONNECT is
 * refused before its body is received, and a client cannot make the ingress buffer more than
 * {@code maxSize} bytes.
 */
public final class FirstPacketFramer {

    /** CONNECT with the flags MQTT requires (all zero). */
    public static final int CONNECT_HEADER = 0x10;

    private FirstPacketFramer() {
    }

    public static FrameStatus inspect(ByteBuf buffer, int maxSize) {
        int start = buffer.readerIndex();
        int available = buffer.readableBytes();
        if (available == 0) {
            return FrameStatus.NEED_MORE;
        }
        int type = buffer.getUnsignedByte(start);
        if (type != CONNECT_HEADER) {
            return new FrameStatus.Invalid(ConnectRejection.NOT_CONNECT,
                    "first byte 0x" + Integer.toHexString(type) + " is not a CONNECT header (0x10)");
        }
        int remaining = 0;
        int multiplier = 1;
        for (int i = 1; i <= 4; i++) {
            if (i >= available) {
                return available > maxSize ? oversized(available, maxSize) : FrameStatus.NEED_MORE;
            }
            int digit = buffer.getUnsignedByte(start + i);
            remaining += (digit & 0x7F) * multiplier;
            if ((digit & 0x80) == 0) {
                if (i > 1 && digit == 0) {
                    return new FrameStatus.Invalid(ConnectRejection.MALFORMED,
                            "remaining length not encoded in the minimum number of bytes");
                }
                long total = (long) i + 1 + remaining;
                if (total > maxSize) {
                    return oversized(total, maxSize);
                }
                return available >= total ? new FrameStatus.Complete((int) total) : FrameStatus.NEED_MORE;
            }
            multiplier *= 128;
        }
        return new FrameStatus.Invalid(ConnectRejection.MALFORMED, "remaining length longer than 4 bytes");
    }

    private static FrameStatus oversized(long size, int maxSize) {
        return new FrameStatus.Invalid(ConnectRejection.OVERSIZED,
                "CONNECT of " + size + " bytes exceeds the maximum of " + maxSize);
    }
}

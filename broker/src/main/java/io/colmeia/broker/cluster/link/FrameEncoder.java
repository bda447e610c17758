package io.colmeia.broker.cluster.link;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/** Writes a frame as a 4-byte length followed by its body. */
@ChannelHandler.Sharable
public final class FrameEncoder extends MessageToByteEncoder<Frame> {

    public FrameEncoder() {
        super(Frame.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Frame frame, ByteBuf out) {
        writeFrame(frame, out);
    }

    /** Appends {@code frame} with its length prefix to {@code out} (several frames may share one buffer). */
    public static void writeFrame(Frame frame, ByteBuf out) {
        int start = out.writerIndex();
        out.writeInt(0);
        try {
            FrameCodec.encode(frame, out);
        } catch (RuntimeException e) {
            out.writerIndex(start); // leave the frames before it intact
            throw e;
        }
        out.setInt(start, out.writerIndex() - start - 4);
    }
}

package io.colmeia.broker.cluster.link;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;

/** Splits the stream at the 4-byte length prefix (bounded) and decodes each body into a {@link Frame}. */
public final class FrameDecoder extends LengthFieldBasedFrameDecoder {

    public FrameDecoder(int maxFrameBytes) {
        super(maxFrameBytes, 0, 4, 0, 4);
    }

    @Override
    protected Object decode(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
        ByteBuf body = (ByteBuf) super.decode(ctx, in);
        if (body == null) {
            return null;
        }
        try {
            return FrameCodec.decode(body);
        } finally {
            body.release();
        }
    }
}

package io.colmeia.broker.cluster.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameCodecTest {

    @Test
    void everyFrameSurvivesARoundTripThroughTheChannelCodec() {
        Message full = new Message("a/b", 2, true, "x".getBytes(StandardCharsets.UTF_8), "text/plain", "reply/1",
                new byte[] {1, 2}, 60, 1, List.of("k", "v"));
        List<Frame> frames = List.of(
                new Frame.Hello(Frame.VERSION, "broker-1", 42, 7946),
                new Frame.Welcome("broker-2", 43),
                new Frame.Reject(Frame.RejectReason.REVERSE, "broker-3", "dial me"),
                new Frame.Ping(),
                new Frame.RoutesFull(List.of("a/#", "b/+")),
                new Frame.RouteAdd("c"),
                new Frame.RouteRemove("c"),
                new Frame.Publish(9, full),
                new Frame.Publish(10, full, false, List.of("workers/a/#", "g2/b")),
                new Frame.SharesFull(java.util.Map.of("workers/a/#", 2, "g2/b", 1)),
                new Frame.ShareCount("workers/a/#", 0),
                new Frame.Ack(9),
                new Frame.Retained(Message.simple("r", 1, true, new byte[0])));
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(1 << 20), new FrameEncoder());
        for (Frame frame : frames) {
            channel.writeOutbound(frame);
            ByteBuf wire = channel.readOutbound();
            channel.writeInbound(wire);
            Frame back = channel.readInbound();
            if (frame instanceof Frame.Publish p) {
                Frame.Publish q = (Frame.Publish) back;
                assertThat(q.seq()).isEqualTo(p.seq());
                assertThat(q.plain()).isEqualTo(p.plain());
                assertThat(q.shareKeys()).isEqualTo(p.shareKeys());
                assertThat(q.message()).usingRecursiveComparison().isEqualTo(p.message());
            } else if (frame instanceof Frame.Retained r) {
                assertThat(((Frame.Retained) back).message()).usingRecursiveComparison().isEqualTo(r.message());
            } else {
                assertThat(back).isEqualTo(frame);
            }
        }
        channel.finishAndReleaseAll();
    }

    @Test
    void unknownFrameTypeIsRejected() {
        assertThatThrownBy(() -> FrameCodec.decode(Unpooled.wrappedBuffer(new byte[] {99})))
                .isInstanceOf(CorruptedFrameException.class);
    }

    @Test
    void truncatedBodyIsRejected() {
        assertThatThrownBy(() -> FrameCodec.decode(Unpooled.wrappedBuffer(new byte[] {FrameCodec.ACK, 0, 0})))
                .isInstanceOf(CorruptedFrameException.class);
    }

    @Test
    void oversizedFrameIsRejectedBeforeBuffering() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(16));
        ByteBuf wire = Unpooled.buffer().writeInt(1000).writeZero(20);
        assertThatThrownBy(() -> channel.writeInbound(wire)).isInstanceOf(DecoderException.class);
        channel.finishAndReleaseAll();
    }
}

package io.colmeia.ingress.connect;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class FirstPacketFramerTest {

    private static FrameStatus inspect(int maxSize, int... bytes) {
        ByteBuf buf = Unpooled.buffer();
        for (int b : bytes) {
            buf.writeByte(b);
        }
        try {
            return FirstPacketFramer.inspect(buf, maxSize);
        } finally {
            buf.release();
        }
    }

    private static ConnectRejection rejection(FrameStatus status) {
        assertThat(status).isInstanceOf(FrameStatus.Invalid.class);
        return ((FrameStatus.Invalid) status).reason();
    }

    @Test
    void needs_more_until_the_declared_length_is_present() {
        assertThat(inspect(100)).isInstanceOf(FrameStatus.NeedMore.class);
        assertThat(inspect(100, 0x10)).isInstanceOf(FrameStatus.NeedMore.class);
        assertThat(inspect(100, 0x10, 0x03, 1, 2)).isInstanceOf(FrameStatus.NeedMore.class);
        assertThat(inspect(100, 0x10, 0x03, 1, 2, 3)).isEqualTo(new FrameStatus.Complete(5));
        assertThat(inspect(100, 0x10, 0x03, 1, 2, 3, 0xC0, 0x00)).isEqualTo(new FrameStatus.Complete(5));
    }

    @Test
    void reads_multi_byte_remaining_lengths() {
        // 200 = 0xC8 0x01
        int[] frame = new int[3 + 200];
        frame[0] = 0x10;
        frame[1] = 0xC8;
        frame[2] = 0x01;
        assertThat(inspect(1000, frame)).isEqualTo(new FrameStatus.Complete(203));
    }

    @Test
    void refuses_anything_but_a_connect_header_from_the_first_byte() {
        assertThat(rejection(inspect(100, 0xC0, 0x00))).isEqualTo(ConnectRejection.NOT_CONNECT);
        assertThat(rejection(inspect(100, 0x11))).isEqualTo(ConnectRejection.NOT_CONNECT);
        assertThat(rejection(inspect(100, 'G', 'E', 'T', ' '))).isEqualTo(ConnectRejection.NOT_CONNECT);
        assertThat(rejection(inspect(100, 0x16, 0x03, 0x01))).as("TLS ClientHello").isEqualTo(
                ConnectRejection.NOT_CONNECT);
    }

    @Test
    void refuses_an_oversized_connect_from_its_header_alone() {
        // declares 1,000,000 bytes: 0xC0 0x84 0x3D
        assertThat(rejection(inspect(65536, 0x10, 0xC0, 0x84, 0x3D))).isEqualTo(ConnectRejection.OVERSIZED);
        assertThat(rejection(inspect(10, 0x10, 0x09))).isEqualTo(ConnectRejection.OVERSIZED);
        assertThat(inspect(11, 0x10, 0x09)).isInstanceOf(FrameStatus.NeedMore.class);
    }

    @Test
    void refuses_malformed_remaining_lengths() {
        assertThat(rejection(inspect(1 << 30, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x01)))
                .isEqualTo(ConnectRejection.MALFORMED);
        assertThat(rejection(inspect(1000, 0x10, 0x80, 0x00))).as("non-minimal encoding")
                .isEqualTo(ConnectRejection.MALFORMED);
    }

    @Test
    void never_moves_the_buffer_indexes() {
        ByteBuf buf = Unpooled.wrappedBuffer(new byte[] {0x10, 0x02, 0, 0});
        FirstPacketFramer.inspect(buf, 100);
        assertThat(buf.readerIndex()).isZero();
        assertThat(buf.writerIndex()).isEqualTo(4);
        buf.release();
    }
}

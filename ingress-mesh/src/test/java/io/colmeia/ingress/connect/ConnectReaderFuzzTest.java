package io.colmeia.ingress.connect;

import static org.assertj.core.api.Assertions.assertThat;

import io.colmeia.ingress.metrics.IngressMetrics;
import io.colmeia.ingress.support.Packets;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The CONNECT reader, fed 100,000 random and mutated inputs in random chunks, never lets an exception out of
 * the pipeline, and every input ends in exactly one outcome: a parsed CONNECT, a counted refusal, or (when the
 * input is a valid prefix) still waiting.
 */
class ConnectReaderFuzzTest {

    private static final int INPUTS = 100_000;

    @Test
    void never_throws_and_every_input_has_one_outcome() {
        Random random = new Random(0xC01DEA);
        List<byte[]> seeds = new ArrayList<>();
        for (MqttVersion v : MqttVersion.values()) {
            seeds.add(Packets.simpleConnect(v, "client-" + v.protocolLevel()));
            seeds.add(Packets.fullConnect(v, "full-" + v.protocolLevel()));
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        IngressMetrics metrics = new IngressMetrics(registry);
        int parsed = 0;
        int refused = 0;
        int waiting = 0;
        for (int i = 0; i < INPUTS; i++) {
            byte[] input = mutate(seeds.get(random.nextInt(seeds.size())), random);
            Outcome outcome = feed(input, random, metrics);
            switch (outcome) {
                case PARSED -> parsed++;
                case REFUSED -> refused++;
                case WAITING -> waiting++;
            }
        }
        assertThat(parsed + refused + waiting).isEqualTo(INPUTS);
        assertThat(parsed).as("some mutations keep a valid CONNECT").isPositive();
        assertThat(refused).as("most mutations are refused").isGreaterThan(INPUTS / 4);
        double counted = registry.find("colmeia_ingress_refusals_total").counters().stream()
                .mapToDouble(c -> c.count()).sum();
        assertThat(counted).as("every refusal is counted, and so is every incomplete CONNECT when its"
                + " connection closes").isEqualTo(refused + waiting);
    }

    enum Outcome { PARSED, REFUSED, WAITING }

    private static Outcome feed(byte[] input, Random random, IngressMetrics metrics) {
        List<ConnectRequest> requests = new ArrayList<>();
        EmbeddedChannel channel = new EmbeddedChannel(
                new ConnectReader(1024, Duration.ofSeconds(10), metrics),
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        if (msg instanceof ConnectRequest request) {
                            requests.add(request);
                        } else {
                            ReferenceCountUtil.release(msg);
                        }
                    }
                });
        try {
            int at = 0;
            while (at < input.length && channel.isOpen() && requests.isEmpty()) {
                int chunk = 1 + random.nextInt(Math.max(1, input.length - at));
                channel.writeInbound(Unpooled.wrappedBuffer(input, at, Math.min(chunk, input.length - at)));
                channel.checkException();
                at += chunk;
            }
            if (!requests.isEmpty()) {
                assertThat(requests).hasSize(1);
                assertThat(requests.get(0).bytes().readableBytes()).isLessThanOrEqualTo(input.length);
                return Outcome.PARSED;
            }
            return channel.isOpen() ? Outcome.WAITING : Outcome.REFUSED;
        } finally {
            requests.forEach(ReferenceCountUtil::release);
            channel.finishAndReleaseAll();
        }
    }

    private static byte[] mutate(byte[] seed, Random random) {
        switch (random.nextInt(6)) {
            case 0 -> { // random bytes, half of them starting like a CONNECT
                byte[] junk = new byte[random.nextInt(64)];
                random.nextBytes(junk);
                if (junk.length > 0 && random.nextBoolean()) {
                    junk[0] = 0x10;
                }
                return junk;
            }
            case 1 -> { // truncated
                return java.util.Arrays.copyOf(seed, random.nextInt(seed.length + 1));
            }
            case 2 -> { // extended with trailing garbage
                byte[] tail = new byte[random.nextInt(2000)];
                random.nextBytes(tail);
                return Packets.concat(seed, tail);
            }
            default -> { // a few flipped bytes anywhere, the length byte included
                byte[] copy = seed.clone();
                int flips = 1 + random.nextInt(3);
                for (int f = 0; f < flips; f++) {
                    copy[random.nextInt(copy.length)] = (byte) random.nextInt(256);
                }
                return copy;
            }
        }
    }
}

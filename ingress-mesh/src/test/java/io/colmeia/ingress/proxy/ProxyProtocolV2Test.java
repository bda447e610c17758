package io.colmeia.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** Our PROXY v2 header, read back by Netty's independent HAProxy decoder (what a backend would run). */
class ProxyProtocolV2Test {

    private static HAProxyMessage decode(ByteBuf header) {
        EmbeddedChannel decoder = new EmbeddedChannel(new HAProxyMessageDecoder());
        try {
            decoder.writeInbound(header);
            HAProxyMessage message = decoder.readInbound();
            assertThat(message).isNotNull();
            return message;
        } finally {
            decoder.finishAndReleaseAll();
        }
    }

    @Test
    void carries_the_ipv4_client_and_proxy_addresses() {
        ByteBuf header = ProxyProtocolV2.header(ByteBufAllocator.DEFAULT,
                new InetSocketAddress("192.168.4.17", 51234), new InetSocketAddress("127.0.2.1", 1883));
        assertThat(header.readableBytes()).isEqualTo(16 + 12);
        HAProxyMessage message = decode(header);
        try {
            assertThat(message.protocolVersion()).isEqualTo(HAProxyProtocolVersion.V2);
            assertThat(message.command()).isEqualTo(HAProxyCommand.PROXY);
            assertThat(message.proxiedProtocol()).isEqualTo(HAProxyProxiedProtocol.TCP4);
            assertThat(message.sourceAddress()).isEqualTo("192.168.4.17");
            assertThat(message.sourcePort()).isEqualTo(51234);
            assertThat(message.destinationAddress()).isEqualTo("127.0.2.1");
            assertThat(message.destinationPort()).isEqualTo(1883);
        } finally {
            message.release();
        }
    }

    @Test
    void carries_ipv6_and_maps_mixed_families_to_ipv6() {
        HAProxyMessage message = decode(ProxyProtocolV2.header(ByteBufAllocator.DEFAULT,
                new InetSocketAddress("10.0.0.5", 4000), new InetSocketAddress("::1", 1883)));
        try {
            assertThat(message.proxiedProtocol()).isEqualTo(HAProxyProxiedProtocol.TCP6);
            assertThat(message.sourceAddress()).isEqualTo("0:0:0:0:0:ffff:a00:5");
            assertThat(message.sourcePort()).isEqualTo(4000);
            assertThat(message.destinationPort()).isEqualTo(1883);
        } finally {
            message.release();
        }
    }

    @Test
    void sends_a_local_header_when_addresses_are_unknown() {
        HAProxyMessage message = decode(ProxyProtocolV2.header(ByteBufAllocator.DEFAULT, null, null));
        try {
            assertThat(message.command()).isEqualTo(HAProxyCommand.LOCAL);
        } finally {
            message.release();
        }
    }
}

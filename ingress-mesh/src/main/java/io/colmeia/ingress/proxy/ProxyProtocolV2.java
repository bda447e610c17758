package io.colmeia.ingress.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * The PROXY protocol version 2 header (binary, HAProxy's spec) that tells a backend the client's real address:
 * sent once, before the client's bytes. Only for brokers configured to expect it: HiveMQ CE cannot read it and
 * would see a malformed first packet, so it is off by default.
 */
public final class ProxyProtocolV2 {

    private static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    private static final int VERSION_PROXY = 0x21;
    private static final int VERSION_LOCAL = 0x20;
    private static final int TCP_OVER_IPV4 = 0x11;
    private static final int TCP_OVER_IPV6 = 0x21;

    private ProxyProtocolV2() {
    }

    /**
     * Header for a connection from {@code client} to {@code proxy} (our listening address it connected to).
     * Mixed families are sent as IPv6 (IPv4-mapped); non-IP addresses as a LOCAL header (no address).
     */
    public static ByteBuf header(ByteBufAllocator alloc, SocketAddress client, SocketAddress proxy) {
        if (!(client instanceof InetSocketAddress src) || !(proxy instanceof InetSocketAddress dst)
                || src.getAddress() == null || dst.getAddress() == null) {
            ByteBuf local = alloc.buffer(16);
            local.writeBytes(SIGNATURE).writeByte(VERSION_LOCAL).writeByte(0).writeShort(0);
            return local;
        }
        InetAddress from = src.getAddress();
        InetAddress to = dst.getAddress();
        boolean ipv4 = from instanceof Inet4Address && to instanceof Inet4Address;
        byte[] fromBytes = ipv4 ? from.getAddress() : ipv6Bytes(from);
        byte[] toBytes = ipv4 ? to.getAddress() : ipv6Bytes(to);
        int length = fromBytes.length * 2 + 4;
        ByteBuf header = alloc.buffer(16 + length);
        header.writeBytes(SIGNATURE)
                .writeByte(VERSION_PROXY)
                .writeByte(ipv4 ? TCP_OVER_IPV4 : TCP_OVER_IPV6)
                .writeShort(length)
                .writeBytes(fromBytes)
                .writeBytes(toBytes)
                .writeShort(src.getPort())
                .writeShort(dst.getPort());
        return header;
    }

    private static byte[] ipv6Bytes(InetAddress address) {
        if (address instanceof Inet6Address) {
            return address.getAddress();
        }
        byte[] v4 = address.getAddress();
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xFF;
        mapped[11] = (byte) 0xFF;
        System.arraycopy(v4, 0, mapped, 12, 4);
        return mapped;
    }
}

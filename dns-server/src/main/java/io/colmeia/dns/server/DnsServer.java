package io.colmeia.dns.server;

import io.colmeia.dns.metrics.DnsMetrics;
import io.colmeia.dns.ratelimit.ResponseRateLimiter;
import io.colmeia.dns.zone.ZoneSnapshot;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The socket side: UDP and TCP on the same address, feeding every query to the answering logic.
 *
 * <p>Why Netty 4.1 rather than plain NIO: one small event-loop group serves the UDP socket, the TCP acceptor
 * and every TCP connection; per-connection timers, length-prefix framing, write backpressure (autoRead off
 * while the client does not read) and orderly shutdown come ready-made and well-tested, and the project
 * already runs Netty 4.1 in the broker and the ingress mesh. Answering is a few microseconds of CPU, so it
 * runs on the event loop itself: no queue between socket and logic that an attacker could fill.
 */
public final class DnsServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DnsServer.class);
    /** Datagram receive buffer: larger datagrams are cut (and then fail to parse: FORMERR or dropped). */
    static final int MAX_UDP_QUERY = 4096;
    private static final int BIND_ATTEMPTS = 20;

    private final ServerSettings settings;
    private final QueryProcessor processor;
    private final TcpConnectionLimits limits;
    private EventLoopGroup group;
    private Channel udp;
    private Channel tcp;

    public DnsServer(ServerSettings settings, Supplier<ZoneSnapshot> zone, ResponseRateLimiter rateLimiter,
                     DnsMetrics metrics) {
        this.settings = settings;
        this.processor = new QueryProcessor(zone, rateLimiter, metrics);
        this.limits = new TcpConnectionLimits(settings.tcpMaxConnections(), settings.tcpMaxConnectionsPerClient());
        metrics.tcpConnections(limits::open);
    }

    /** Binds UDP and TCP; throws {@link BindException} (or another IOException) when the address is unusable. */
    public synchronized void start() throws IOException, InterruptedException {
        group = new NioEventLoopGroup(2, new DefaultThreadFactory("dns-io", true));
        try {
            bind();
        } catch (IOException | InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
        LOG.info("DNS server listening on {} (UDP and TCP)", udpAddress());
    }

    private void bind() throws IOException, InterruptedException {
        InetSocketAddress wanted = settings.listen();
        IOException last = null;
        for (int attempt = 0; attempt < (wanted.getPort() == 0 ? BIND_ATTEMPTS : 1); attempt++) {
            Channel u = null;
            try {
                u = udpBootstrap().bind(wanted).sync().channel();
                int port = ((InetSocketAddress) u.localAddress()).getPort();
                Channel t = tcpBootstrap().bind(new InetSocketAddress(wanted.getAddress(), port)).sync().channel();
                udp = u;
                tcp = t;
                return;
            } catch (Exception e) {
                if (u != null) {
                    u.close().awaitUninterruptibly();
                }
                if (e instanceof InterruptedException ie) {
                    throw ie;
                }
                last = e instanceof IOException io ? io : new IOException(e.toString(), e);
            }
        }
        throw last;
    }

    private Bootstrap udpBootstrap() {
        return new Bootstrap().group(group)
                .channel(NioDatagramChannel.class)
                .option(ChannelOption.SO_RCVBUF, 1 << 20)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_UDP_QUERY))
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
                .handler(new UdpQueryHandler(processor));
    }

    private ServerBootstrap tcpBootstrap() {
        return new ServerBootstrap().group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 256)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(16 * 1024, 64 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        TcpConnectionHandler connection = new TcpConnectionHandler(limits, processor,
                                settings.tcpIdleTimeout());
                        ch.pipeline().addLast("connection", connection);
                        ch.pipeline().addLast("framing", new LengthFieldBasedFrameDecoder(65535 + 2, 0, 2, 0, 2));
                        ch.pipeline().addLast("query", new TcpQueryHandler(processor, connection));
                    }
                });
    }

    public InetSocketAddress udpAddress() {
        return (InetSocketAddress) udp.localAddress();
    }

    public InetSocketAddress tcpAddress() {
        return (InetSocketAddress) tcp.localAddress();
    }

    /** TCP connections open now. */
    public int tcpConnections() {
        return limits.open();
    }

    public synchronized boolean isListening() {
        return udp != null && udp.isActive() && tcp != null && tcp.isActive();
    }

    @Override
    public synchronized void close() {
        if (udp != null) {
            udp.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (tcp != null) {
            tcp.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
            group = null;
        }
    }
}

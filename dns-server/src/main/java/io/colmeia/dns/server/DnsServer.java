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
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
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
 * already runs Netty 4.1 in the broker and the ingress mesh. Answering is about a microsecond of CPU, so it
 * runs on the event loop itself: no queue between socket and logic that an attacker could fill. On Linux the
 * native epoll transport binds one UDP socket per event loop with SO_REUSEPORT, so every core answers UDP
 * (with NIO one socket, hence one thread, would carry all UDP traffic). TCP is bound first, without
 * SO_REUSEPORT, so a second server on the same address still fails to start instead of sharing the port.
 */
public final class DnsServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DnsServer.class);
    /** Datagram receive buffer: larger datagrams are cut (and then fail to parse: FORMERR or dropped). */
    static final int MAX_UDP_QUERY = 4096;
    private static final int BIND_ATTEMPTS = 20;

    private final ServerSettings settings;
    private final QueryProcessor processor;
    private final TcpConnectionLimits limits;
    private static final int EVENT_LOOPS = 2;

    private final boolean epoll = Epoll.isAvailable();
    private EventLoopGroup group;
    private final List<Channel> udp = new ArrayList<>();
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
        DefaultThreadFactory threads = new DefaultThreadFactory("dns-io", true);
        group = epoll ? new EpollEventLoopGroup(EVENT_LOOPS, threads) : new NioEventLoopGroup(EVENT_LOOPS, threads);
        try {
            bind();
        } catch (IOException | InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
        LOG.info("DNS server listening on {} (UDP and TCP; {} transport, {} UDP socket(s))", udpAddress(),
                epoll ? "epoll" : "nio", udp.size());
    }

    private void bind() throws IOException, InterruptedException {
        InetSocketAddress wanted = settings.listen();
        IOException last = null;
        for (int attempt = 0; attempt < (wanted.getPort() == 0 ? BIND_ATTEMPTS : 1); attempt++) {
            List<Channel> bound = new ArrayList<>();
            try {
                Channel t = tcpBootstrap().bind(wanted).sync().channel();
                bound.add(t);
                InetSocketAddress at = new InetSocketAddress(wanted.getAddress(),
                        ((InetSocketAddress) t.localAddress()).getPort());
                Bootstrap datagram = udpBootstrap();
                for (int i = 0; i < (epoll ? EVENT_LOOPS : 1); i++) {
                    bound.add(datagram.bind(at).sync().channel());
                }
                tcp = t;
                udp.addAll(bound.subList(1, bound.size()));
                return;
            } catch (Exception e) {
                for (Channel c : bound) {
                    c.close().awaitUninterruptibly();
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
        Bootstrap b = new Bootstrap().group(group)
                .channel(epoll ? EpollDatagramChannel.class : NioDatagramChannel.class)
                .option(ChannelOption.SO_RCVBUF, 1 << 20)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_UDP_QUERY))
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
                .handler(new UdpQueryHandler(processor));
        if (epoll) {
            // recvmmsg: up to 16 datagrams per system call, each cut at MAX_UDP_QUERY bytes
            b.option(EpollChannelOption.SO_REUSEPORT, true)
                    .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, MAX_UDP_QUERY)
                    .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_UDP_QUERY * 16));
        }
        return b;
    }

    private ServerBootstrap tcpBootstrap() {
        return new ServerBootstrap().group(group)
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
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
        return (InetSocketAddress) udp.get(0).localAddress();
    }

    public InetSocketAddress tcpAddress() {
        return (InetSocketAddress) tcp.localAddress();
    }

    /** TCP connections open now. */
    public int tcpConnections() {
        return limits.open();
    }

    public synchronized boolean isListening() {
        return !udp.isEmpty() && udp.stream().allMatch(Channel::isActive) && tcp != null && tcp.isActive();
    }

    @Override
    public synchronized void close() {
        for (Channel c : udp) {
            c.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        udp.clear();
        if (tcp != null) {
            tcp.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
            group = null;
        }
    }
}

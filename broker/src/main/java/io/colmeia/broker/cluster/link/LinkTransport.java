package io.colmeia.broker.cluster.link;

import io.colmeia.common.config.HostPort;
import io.colmeia.common.config.InvalidConfigurationException;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** The Netty side of the cluster links: one listener for peers that dial us, and outbound dials. */
public final class LinkTransport implements AutoCloseable {

    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(256 * 1024, 1024 * 1024);
    private static final int CONNECT_TIMEOUT_MS = 3000;

    /** The links' event loops: HiveMQ's network threads when shared (see {@link #shareEventLoops}), else own ones. */
    private EventLoopGroup group;
    private boolean ownGroup;
    /** Every link channel, to close them when the group is not ours to shut down. */
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final LinkEvents events;
    private final Duration heartbeat;
    private final Duration timeout;
    private final int maxFrameBytes;
    private Channel server;

    public LinkTransport(LinkEvents events, Duration heartbeat, Duration timeout, int maxFrameBytes) {
        this.events = events;
        this.heartbeat = heartbeat;
        this.timeout = timeout;
        this.maxFrameBytes = maxFrameBytes;
    }

    /**
     * Runs the links on {@code loops} (NIO), HiveMQ's own network threads, instead of threads of their own. Why: a
     * message forwarded to this replica is then handed to HiveMQ on the thread that also writes to its subscribers,
     * and a local PUBLISH is queued for a peer on the thread that drains the queue onto the link: no thread hand-off
     * and wake-up per message on either side, as for a publisher and a subscriber on one replica. Before listen.
     */
    public synchronized void shareEventLoops(EventLoopGroup loops) {
        if (group != null) {
            throw new IllegalStateException("the link's event loops are chosen already");
        }
        group = loops;
    }

    /** True when the links run on event loops shared with HiveMQ. */
    public synchronized boolean sharesEventLoops() {
        return group != null && !ownGroup;
    }

    private synchronized EventLoopGroup group() {
        if (group == null) {
            group = new NioEventLoopGroup(2, new DefaultThreadFactory("cluster-link", true));
            ownGroup = true;
        }
        return group;
    }

    /** Binds the link listener; the error names --cluster when the address is unusable. */
    public void listen(HostPort address) {
        EventLoopGroup group = group();
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        pipeline(ch.pipeline(), new LinkHandler(events, null, null));
                    }
                });
        try {
            server = bootstrap.bind(address.toSocketAddress()).sync().channel();
        } catch (Exception e) {
            throw new InvalidConfigurationException("--cluster", "cannot listen on " + address + " (" + e
                    + "); is another process using it?");
        }
    }

    /**
     * Dials a peer from {@code localHost} (so the peer sees the address we listen on; null for any), and starts
     * the handshake with {@code hello} once connected.
     */
    public ChannelFuture dial(HostPort address, Frame.Hello hello, String localHost) {
        return new Bootstrap()
                .group(group())
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MS)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        pipeline(ch.pipeline(), new LinkHandler(events, hello, address));
                    }
                })
                .connect(address.toSocketAddress(),
                        localHost == null ? null : new InetSocketAddress(localHost, 0));
    }

    private void pipeline(ChannelPipeline p, LinkHandler handler) {
        channels.add(p.channel());
        // many small frames (publishes one way, acks the other): one syscall for what a read or a turn produced
        p.addLast(new FlushConsolidationHandler(FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
        p.addLast(new IdleStateHandler(timeout.toMillis(), heartbeat.toMillis(), 0, TimeUnit.MILLISECONDS));
        p.addLast(new FrameDecoder(maxFrameBytes));
        p.addLast(new FrameEncoder());
        p.addLast(handler);
    }

    @Override
    public void close() {
        if (server != null) {
            server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        channels.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        EventLoopGroup g;
        boolean own;
        synchronized (this) {
            g = group;
            own = ownGroup;
        }
        if (g != null && own) {
            g.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }
}

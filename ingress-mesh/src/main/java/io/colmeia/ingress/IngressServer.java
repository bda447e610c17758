package io.colmeia.ingress;

import io.colmeia.common.config.HostPort;
import io.colmeia.common.config.InvalidConfigurationException;
import io.colmeia.ingress.balance.Replica;
import io.colmeia.ingress.balance.ReplicaSelector;
import io.colmeia.ingress.connect.ConnectReader;
import io.colmeia.ingress.limit.AdmissionHandler;
import io.colmeia.ingress.limit.ConnectionLimits;
import io.colmeia.ingress.metrics.IngressMetrics;
import io.colmeia.ingress.proxy.BackendConnector;
import io.colmeia.ingress.proxy.BackendSettings;
import io.colmeia.ingress.proxy.Transport;
import io.colmeia.ingress.tls.TlsTermination;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listening side: accepts clients and builds each connection's pipeline
 * ({@link AdmissionHandler} → {@link ConnectReader} → {@link BackendConnector}, which becomes the relay),
 * and drains on shutdown: stop accepting, let relays run for the grace period, then close the rest spread
 * over time so their clients do not all reconnect in the same instant.
 */
public final class IngressServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(IngressServer.class);

    private final IngressConfig config;
    private final ReplicaSelector selector;
    private final IngressMetrics metrics;
    private final ConnectionLimits limits;
    private final Transport transport;
    private final Consumer<Replica> probeNow;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final int ioThreads;
    private final ChannelGroup clients = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
    private final ChannelGroup backends = new DefaultChannelGroup("backends", GlobalEventExecutor.INSTANCE);
    private volatile Channel listener;
    private volatile Channel tlsListener;
    private volatile HostPort boundAddress;

    /** @param probeNow asks for an immediate health probe of a replica (a relayed connect timed out) */
    public IngressServer(IngressConfig config, ReplicaSelector selector, IngressMetrics metrics,
                         ConnectionLimits limits, Transport transport, Consumer<Replica> probeNow) {
        this.config = config;
        this.selector = selector;
        this.metrics = metrics;
        this.limits = limits;
        this.transport = transport;
        this.probeNow = probeNow;
        this.boss = transport.newGroup(1, new DefaultThreadFactory("ingress-accept", true));
        this.ioThreads = config.ioThreads(Runtime.getRuntime().availableProcessors());
        this.workers = transport.newGroup(ioThreads, new DefaultThreadFactory("ingress-io", true));
        metrics.gauge("colmeia_ingress_connections_active", "Client connections open (connecting or relayed)",
                clients, ChannelGroup::size);
        metrics.gauge("colmeia_ingress_pending_write_bytes",
                "Bytes queued in the ingress toward clients and replicas (bounded by backpressure)", this,
                IngressServer::pendingWriteBytes);
    }

    public void start() {
        ServerBootstrap bootstrap = bootstrap(null);
        try {
            listener = bootstrap.bind(config.mqtt().toSocketAddress()).syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            close();
            throw new InvalidConfigurationException("--mqtt", "cannot listen on " + config.mqtt() + " (" + e
                    + "); is another process using it?");
        }
        InetSocketAddress bound = (InetSocketAddress) listener.localAddress();
        boundAddress = new HostPort(config.mqtt().host(), bound.getPort());
        LOG.info("ingress listening on {} ({} transport, {} event loop(s), TCP_QUICKACK {})", boundAddress,
                transport.name(), ioThreads,
                config.tcpQuickAck() && transport.epoll() ? "re-armed after small client read batches" : "off");
    }

    /**
     * Opens the MQTT-over-TLS listener: the same pipeline as {@code --mqtt} behind a TLS handler, so the CONNECT
     * is read (and routed by client id) after decryption. Call after {@link #start()}.
     */
    public void startTls(TlsTermination tls) {
        try {
            tlsListener = bootstrap(tls).bind(tls.address().toSocketAddress()).syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            throw new InvalidConfigurationException("--mqtts", "cannot listen on " + tls.address() + " (" + e
                    + "); is another process using it?");
        }
        LOG.info("ingress listening for MQTT over TLS on {}", tls.address());
    }

    private ServerBootstrap bootstrap(TlsTermination tls) {
        BackendSettings backendSettings = new BackendSettings(config.backendConnectTimeout(), config.proxyProtocol(),
                config.idleTimeout(), IngressConfig.LOW_WATER_MARK, IngressConfig.HIGH_WATER_MARK,
                IngressConfig.MAX_BACKEND_ATTEMPTS, config.tcpQuickAck() && transport.epoll());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(boss, workers)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        clients.add(ch);
                        ch.pipeline().addLast("admission", new AdmissionHandler(limits, metrics));
                        ch.pipeline().addLast("connect", new ConnectReader(config.maxConnectSize(),
                                config.connectTimeout(), metrics));
                        ch.pipeline().addLast("backend", new BackendConnector(selector, transport,
                                backendSettings, metrics, backends, probeNow));
                        if (tls != null) {
                            tls.install(ch);
                        }
                    }
                });
        transport.relayChildOptions(bootstrap);
        return bootstrap;
    }

    public boolean listening() {
        Channel ch = listener;
        return ch != null && ch.isActive();
    }

    public HostPort address() {
        return boundAddress;
    }

    public int openConnections() {
        return clients.size();
    }

    /**
     * Stops accepting, waits up to {@code grace} for clients to leave on their own, then closes those left,
     * spread evenly over {@code spread}. Blocks until done.
     */
    public void drain(Duration grace, Duration spread) {
        Channel ch = listener;
        if (ch != null) {
            ch.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        Channel tls = tlsListener;
        if (tls != null) {
            tls.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        long deadline = System.nanoTime() + grace.toNanos();
        if (!clients.isEmpty()) {
            LOG.info("draining: {} connection(s) may continue for up to {} ms", clients.size(), grace.toMillis());
        }
        while (!clients.isEmpty() && System.nanoTime() < deadline) {
            sleep(Math.min(100, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
        }
        List<Channel> remaining = new ArrayList<>(clients);
        if (remaining.isEmpty()) {
            return;
        }
        LOG.info("drain grace over: closing {} connection(s) over {} ms", remaining.size(), spread.toMillis());
        long start = System.nanoTime();
        for (int i = 0; i < remaining.size(); i++) {
            long due = start + spread.toNanos() * i / remaining.size();
            long wait = (due - System.nanoTime()) / 1_000_000;
            if (wait > 0) {
                sleep(wait);
            }
            metrics.closed("drain");
            remaining.get(i).close();
        }
        clients.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private double pendingWriteBytes() {
        long total = 0;
        for (Channel ch : clients) {
            total += pending(ch);
        }
        for (Channel ch : backends) {
            total += pending(ch);
        }
        return total;
    }

    private static long pending(Channel ch) {
        io.netty.channel.ChannelOutboundBuffer buffer = ch.unsafe().outboundBuffer();
        return buffer == null ? 0 : buffer.totalPendingWriteBytes();
    }

    @Override
    public void close() {
        Channel ch = listener;
        if (ch != null) {
            ch.close();
        }
        Channel tls = tlsListener;
        if (tls != null) {
            tls.close();
        }
        clients.close();
        backends.close();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}

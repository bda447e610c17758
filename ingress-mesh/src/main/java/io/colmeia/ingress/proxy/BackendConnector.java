package io.colmeia.ingress.proxy;

import io.colmeia.ingress.balance.Replica;
import io.colmeia.ingress.balance.ReplicaSelector;
import io.colmeia.ingress.connect.ConnAck;
import io.colmeia.ingress.connect.ConnectRequest;
import io.colmeia.ingress.metrics.IngressMetrics;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a client's {@link ConnectRequest} into a relay: picks the replica ({@link ReplicaSelector}), opens the
 * backend connection on the client's own event loop, sends the optional PROXY header and the bytes already
 * read, then hands both channels to {@link RelayHandler}s and lets bytes flow. A replica that refuses is marked
 * down at once (passive health); one that does not accept in time is probed at once (a full backlog in a
 * connection storm is not a failure); either way the next candidate is tried. When no
 * replica can take the client, it gets a CONNACK "server unavailable" in its own protocol version.
 */
public final class BackendConnector extends ChannelInboundHandlerAdapter {

    /** The refusal reason when no replica can take a client. */
    public static final String NO_HEALTHY_REPLICA = "no_healthy_replica";

    private static final Logger LOG = LoggerFactory.getLogger(BackendConnector.class);
    /** The backend's pipeline starts empty; its relay handler is added once both sides are ready. */
    private static final ChannelInboundHandlerAdapter NO_HANDLER = new Shareable();

    @io.netty.channel.ChannelHandler.Sharable
    private static final class Shareable extends ChannelInboundHandlerAdapter {
    }

    private final ReplicaSelector selector;
    private final Transport transport;
    private final BackendSettings settings;
    private final IngressMetrics metrics;
    private final ChannelGroup backends;
    private final Consumer<Replica> probeNow;
    private ConnectRequest pending;

    public BackendConnector(ReplicaSelector selector, Transport transport, BackendSettings settings,
                            IngressMetrics metrics, ChannelGroup backends, Consumer<Replica> probeNow) {
        this.selector = selector;
        this.transport = transport;
        this.settings = settings;
        this.metrics = metrics;
        this.backends = backends;
        this.probeNow = probeNow;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ConnectRequest request) || pending != null) {
            ReferenceCountUtil.release(msg);
            return;
        }
        pending = request;
        String clientAddress = ctx.channel().remoteAddress() instanceof InetSocketAddress inet
                && inet.getAddress() != null ? inet.getAddress().getHostAddress() : "";
        List<Replica> candidates = selector.candidates(request.connect().clientId(), clientAddress);
        tryConnect(ctx, candidates, 0);
    }

    private void tryConnect(ChannelHandlerContext ctx, List<Replica> candidates, int index) {
        if (pending == null || !ctx.channel().isActive()) {
            releasePending();
            return;
        }
        if (index >= candidates.size() || index >= settings.maxAttempts()) {
            refuseUnavailable(ctx, candidates.isEmpty() ? "no healthy replica"
                    : "no replica accepted the connection (" + index + " tried)");
            return;
        }
        Replica replica = candidates.get(index);
        Bootstrap bootstrap = new Bootstrap()
                .group(ctx.channel().eventLoop())
                .channel(transport.clientChannel())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
                        settings.connectTimeout().toMillis()))
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(settings.lowWaterMark(), settings.highWaterMark()))
                .handler(NO_HANDLER);
        transport.relayOptions(bootstrap);
        bootstrap.connect(replica.socketAddress()).addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                if (pending == null || !ctx.channel().isActive()) {
                    f.channel().close();
                    releasePending();
                } else {
                    startRelay(ctx, replica, f.channel());
                }
                return;
            }
            String detail = "connect failed: " + f.cause().getMessage();
            if (f.cause() instanceof ConnectTimeoutException) {
                replica.connectTimedOut(detail);
                metrics.warnRateLimited("connect-timeout:" + replica.id(), "replica " + replica.id()
                        + " did not accept a relayed connection in time (" + detail + "); probing it now");
                probeNow.accept(replica);
            } else if (replica.markDown(detail)) {
                LOG.warn("replica {} is DOWN: {}", replica.id(), detail);
            }
            tryConnect(ctx, candidates, index + 1);
        });
    }

    private void startRelay(ChannelHandlerContext ctx, Replica replica, Channel backend) {
        Channel client = ctx.channel();
        ConnectRequest request = pending;
        pending = null;
        replica.connectionOpened();
        client.closeFuture().addListener(f -> replica.connectionClosed());
        backends.add(backend);
        client.config().setWriteBufferWaterMark(
                new WriteBufferWaterMark(settings.lowWaterMark(), settings.highWaterMark()));
        IdleTimeout idle = IdleTimeout.start(client,
                IdleTimeout.limit(settings.idleTimeout(), request.connect().keepAliveSeconds()), metrics);
        backend.pipeline().addLast("relay", new RelayHandler(client, RelayHandler.Direction.TO_CLIENT, metrics,
                false, idle));
        ctx.pipeline().replace(this, "relay", new RelayHandler(backend, RelayHandler.Direction.TO_BROKER, metrics,
                settings.tcpQuickAck(), idle));
        if (settings.proxyProtocol()) {
            backend.write(ProxyProtocolV2.header(backend.alloc(), client.remoteAddress(), client.localAddress()),
                    backend.voidPromise());
        }
        int bytes = request.bytes().readableBytes();
        metrics.relayedToBroker(bytes);
        backend.writeAndFlush(request.bytes().retain()).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        request.release();
        if (!client.isActive()) {
            backend.close();
            return;
        }
        client.config().setAutoRead(true);
        backend.config().setAutoRead(true);
    }

    private void refuseUnavailable(ChannelHandlerContext ctx, String detail) {
        ConnectRequest request = pending;
        pending = null;
        metrics.refused(NO_HEALTHY_REPLICA, ctx.channel().remoteAddress(), detail);
        ctx.writeAndFlush(Unpooled.wrappedBuffer(ConnAck.serverUnavailable(request.connect().version())))
                .addListener(ChannelFutureListener.CLOSE);
        request.release();
    }

    private void releasePending() {
        if (pending != null) {
            pending.release();
            pending = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releasePending();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        releasePending();
        ctx.close();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releasePending();
    }
}

package io.colmeia.emulator.mqtt;

import io.colmeia.emulator.resolve.BrokerResolver;
import io.colmeia.emulator.stats.ClientStats;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One MQTT 3.1.1 client that lives across connections, pinned to one Netty event loop (every method that
 * touches state runs there; public methods hop onto it when called from elsewhere):
 * resolve → TCP connect → CONNECT/CONNACK → serve; on any loss, back off with jitter and start again
 * (resolving again). Unacknowledged QoS 1/2 PUBLISHes stay in the {@link InFlightWindow} and are sent again
 * with DUP set (or PUBREL, after a PUBREC) right after the next CONNACK. Inbound QoS 1/2 is acknowledged
 * and QoS 2 is delivered once per packet id.
 */
public final class MqttSession {

    private static final Logger LOG = LoggerFactory.getLogger(MqttSession.class);

    /** Events of a session, called on its event loop. */
    public interface Listener {
        default void onConnected(MqttSession session, boolean sessionPresent) {
        }

        default void onConnectionLost(MqttSession session) {
        }

        default void onAcknowledged(MqttSession session, OutgoingMessage message) {
        }

        default void onMessage(MqttSession session, String topic, byte[] payload, int qos) {
        }

        default void onSubscribed(MqttSession session, List<Integer> grantedQos) {
        }

        default void onWritable(MqttSession session) {
        }
    }

    private enum State { NEW, RESOLVING, CONNECTING, CONNECTED, BACKING_OFF, CLOSED }

    private final ClientSettings settings;
    private final EventLoop loop;
    private final BrokerResolver resolver;
    private final ClientStats stats;
    private final Listener listener;
    private final Backoff backoff;
    private final InFlightWindow window;
    private final Set<Integer> inboundQos2 = new HashSet<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private State state = State.NEW;
    private Channel channel;
    private ScheduledFuture<?> timer;
    private int attempt;
    private String subscriptionFilter;
    private int subscriptionQos;
    private int subscribePacketId;
    private volatile boolean connected;
    private volatile int inFlight;
    private volatile InetSocketAddress lastAddress;
    private boolean refusalLogged;

    public MqttSession(ClientSettings settings, EventLoop loop, BrokerResolver resolver, ClientStats stats,
                       Listener listener) {
        this.settings = settings;
        this.loop = loop;
        this.resolver = resolver;
        this.stats = stats;
        this.listener = listener;
        this.backoff = new Backoff(settings.reconnectMin(), settings.reconnectMax(),
                () -> ThreadLocalRandom.current().nextDouble());
        this.window = new InFlightWindow(settings.maxInFlight());
    }

    public EventLoop loop() {
        return loop;
    }

    public ClientSettings settings() {
        return settings;
    }

    /** Starts connecting (asynchronously). */
    public void start() {
        loop.execute(() -> {
            if (state == State.NEW) {
                connect();
            }
        });
    }

    /** Subscribes now if connected and again after every reconnect (subscribers use clean sessions). */
    public void subscribe(String filter, int qos) {
        loop.execute(() -> {
            subscriptionFilter = filter;
            subscriptionQos = qos;
            if (state == State.CONNECTED) {
                sendSubscribe();
            }
        });
    }

    public boolean isConnected() {
        return connected;
    }

    /** Unacknowledged QoS 1/2 messages (a racy read from other threads, exact on the event loop). */
    public int inFlight() {
        return inFlight;
    }

    public InetSocketAddress lastAddress() {
        return lastAddress;
    }

    /** On the event loop: may a PUBLISH of this QoS go out now? */
    public boolean canPublish(int qos) {
        return state == State.CONNECTED && (qos == 0 || window.hasRoom());
    }

    /** On the event loop: is the TCP send buffer below its high-water mark? */
    public boolean isWritable() {
        Channel ch = channel;
        return ch != null && ch.isWritable();
    }

    /**
     * On the event loop, after {@link #canPublish}: sends one PUBLISH (QoS 1/2 tracked until acknowledged).
     * Telemetry messages count in the fleet's published/acknowledged figures; status messages do not.
     */
    public void publish(String topic, byte[] payload, int qos, boolean retain, boolean telemetry, long seq,
                        boolean flush) {
        if (!canPublish(qos)) {
            throw new IllegalStateException("not connected or in-flight window full");
        }
        int packetId = 0;
        if (qos > 0) {
            OutgoingMessage m = window.add(topic, payload, qos, retain, telemetry, seq, System.nanoTime());
            m.sends = 1;
            packetId = m.packetId;
            inFlight = window.size();
        }
        if (telemetry) {
            stats.published.increment();
        }
        MqttPublishMessage msg = Packets.publish(topic, payload, qos, retain, packetId, false);
        if (flush) {
            channel.writeAndFlush(msg, channel.voidPromise());
        } else {
            channel.write(msg, channel.voidPromise());
        }
    }

    /** On the event loop: flushes writes made with {@code flush=false}. */
    public void flush() {
        Channel ch = channel;
        if (ch != null) {
            ch.flush();
        }
    }

    /**
     * Stops for good: no reconnect. When connected, first publishes {@code farewell} (QoS 0; may be null) and
     * sends DISCONNECT. Completes when the connection is closed.
     */
    public CompletableFuture<Void> close(ClientSettings.Will farewell) {
        if (loop.isShuttingDown()) {
            closed.complete(null);
            return closed;
        }
        loop.execute(() -> {
            if (state == State.CLOSED) {
                return;
            }
            state = State.CLOSED;
            cancelTimer();
            Channel ch = channel;
            if (ch == null) {
                closed.complete(null);
                return;
            }
            // a channel still connecting never becomes inactive: its close future is what tells us it is gone
            ch.closeFuture().addListener(f -> closed.complete(null));
            if (connected && ch.isActive()) {
                if (farewell != null) {
                    ch.write(Packets.publish(farewell.topic(), farewell.payload(), 0, farewell.retain(), 0, false),
                            ch.voidPromise());
                }
                ch.writeAndFlush(Packets.DISCONNECT).addListener(ChannelFutureListener.CLOSE);
            } else {
                ch.close();
            }
        });
        return closed;
    }

    // ---- connection lifecycle (event loop) ----

    private void connect() {
        if (state == State.CLOSED) {
            return;
        }
        state = State.RESOLVING;
        resolver.resolve().whenComplete((address, error) -> {
            if (loop.isShuttingDown()) {
                return;
            }
            loop.execute(() -> onResolved(address, error));
        });
    }

    private void onResolved(InetSocketAddress address, Throwable error) {
        if (state != State.RESOLVING) {
            return;
        }
        if (error != null) {
            stats.resolveFailures.increment();
            LOG.debug("{}: cannot resolve {}: {}", settings.clientId(), resolver.describe(), error.toString());
            scheduleReconnect();
            return;
        }
        state = State.CONNECTING;
        lastAddress = address;
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, settings.tcpNoDelay())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                        (int) Math.min(Integer.MAX_VALUE, settings.connectTimeout().toMillis()))
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        long keepAliveMs = settings.keepAlive().toMillis();
                        ch.pipeline().addLast(
                                new MqttDecoder(settings.maxPacketBytes()),
                                MqttEncoder.INSTANCE,
                                new IdleStateHandler(keepAliveMs, keepAliveMs, 0, TimeUnit.MILLISECONDS),
                                new Handler());
                    }
                });
        ChannelFuture future = bootstrap.connect(address);
        channel = future.channel();
        future.addListener(f -> {
            if (!f.isSuccess() && channel == future.channel() && state == State.CONNECTING) {
                channel = null;
                stats.connectFailures.increment();
                LOG.debug("{}: connect to {} failed: {}", settings.clientId(), address, f.cause().toString());
                scheduleReconnect();
            }
        });
    }

    private void onActive(Channel ch) {
        ch.writeAndFlush(Packets.connect(settings), ch.voidPromise());
        cancelTimer();
        timer = loop.schedule(() -> {
            if (channel == ch && state == State.CONNECTING) {
                LOG.debug("{}: no CONNACK within {}", settings.clientId(), settings.connectTimeout());
                ch.close();
            }
        }, settings.connectTimeout().toNanos(), TimeUnit.NANOSECONDS);
    }

    private void onConnAck(Channel ch, MqttConnAckMessage ack) {
        if (channel != ch || state != State.CONNECTING) {
            return;
        }
        cancelTimer();
        MqttConnectReturnCode code = ack.variableHeader().connectReturnCode();
        if (code != MqttConnectReturnCode.CONNECTION_ACCEPTED) {
            if (!refusalLogged) {
                refusalLogged = true;
                LOG.warn("{}: broker {} refused the connection: {}", settings.clientId(), lastAddress, code);
            }
            ch.close(); // counted as a connect failure when the channel closes
            return;
        }
        boolean sessionPresent = ack.variableHeader().isSessionPresent();
        state = State.CONNECTED;
        attempt = 0;
        connected = true;
        stats.connected.incrementAndGet();
        stats.connects.increment();
        if (!sessionPresent) {
            inboundQos2.clear();
        }
        for (OutgoingMessage m : window.pending()) {
            m.sends++;
            stats.retransmitted.increment();
            if (m.released) {
                ch.write(Packets.ack(MqttMessageType.PUBREL, m.packetId), ch.voidPromise());
            } else {
                ch.write(Packets.publish(m.topic, m.payload, m.qos, m.retain, m.packetId, true), ch.voidPromise());
            }
        }
        if (subscriptionFilter != null) {
            sendSubscribe();
        }
        ch.flush();
        listener.onConnected(this, sessionPresent);
    }

    private void sendSubscribe() {
        subscribePacketId = subscribePacketId % 65_535 + 1;
        channel.writeAndFlush(Packets.subscribe(subscribePacketId, subscriptionFilter, subscriptionQos),
                channel.voidPromise());
    }

    private void onClosed(Channel ch) {
        if (channel != ch) {
            return;
        }
        channel = null;
        cancelTimer();
        if (connected) {
            connected = false;
            stats.connected.decrementAndGet();
            if (state != State.CLOSED) {
                stats.connectionsLost.increment();
                listener.onConnectionLost(this);
            }
        } else if (state == State.CONNECTING) {
            stats.connectFailures.increment();
        }
        if (state == State.CLOSED) {
            closed.complete(null);
        } else {
            scheduleReconnect();
        }
    }

    private void scheduleReconnect() {
        if (state == State.CLOSED) {
            return;
        }
        state = State.BACKING_OFF;
        long delay = backoff.delayNanos(attempt);
        attempt = Math.min(attempt + 1, 30);
        cancelTimer();
        timer = loop.schedule(() -> {
            if (state == State.BACKING_OFF) {
                stats.reconnects.increment();
                connect();
            }
        }, delay, TimeUnit.NANOSECONDS);
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    // ---- inbound packets (event loop) ----

    private void onPacket(Channel ch, MqttMessage msg) {
        if (msg.decoderResult().isFailure()) {
            stats.protocolErrors.increment();
            LOG.debug("{}: malformed packet from broker: {}", settings.clientId(), msg.decoderResult().cause());
            ch.close();
            return;
        }
        switch (msg.fixedHeader().messageType()) {
            case CONNACK -> onConnAck(ch, (MqttConnAckMessage) msg);
            case PUBACK -> acknowledged(window.puback(packetId(msg)));
            case PUBREC -> {
                int id = packetId(msg);
                window.pubrec(id);
                ch.writeAndFlush(Packets.ack(MqttMessageType.PUBREL, id), ch.voidPromise());
            }
            case PUBCOMP -> acknowledged(window.pubcomp(packetId(msg)));
            case PUBLISH -> onPublish(ch, (MqttPublishMessage) msg);
            case PUBREL -> {
                int id = packetId(msg);
                inboundQos2.remove(id);
                ch.write(Packets.ack(MqttMessageType.PUBCOMP, id), ch.voidPromise());
            }
            case SUBACK -> {
                List<Integer> granted = ((MqttSubAckMessage) msg).payload().grantedQoSLevels();
                if (granted.stream().anyMatch(q -> q == null || q > 2)) {
                    stats.protocolErrors.increment();
                    LOG.warn("{}: subscription to '{}' refused by the broker", settings.clientId(),
                            subscriptionFilter);
                }
                listener.onSubscribed(this, granted);
            }
            case PINGRESP, UNSUBACK -> {
            }
            default -> {
                stats.protocolErrors.increment();
                LOG.debug("{}: unexpected {} from broker", settings.clientId(), msg.fixedHeader().messageType());
            }
        }
    }

    private void acknowledged(OutgoingMessage m) {
        if (m == null) {
            return; // an ack for a message already acknowledged (e.g. after a DUP resend): nothing to do
        }
        inFlight = window.size();
        if (m.telemetry) {
            stats.acknowledged.increment();
            stats.ackLatency.recordMicros((System.nanoTime() - m.firstSentNanos) / 1000);
        }
        listener.onAcknowledged(this, m);
    }

    private void onPublish(Channel ch, MqttPublishMessage msg) {
        int qos = msg.fixedHeader().qosLevel().value();
        int id = msg.variableHeader().packetId();
        boolean deliver = qos < 2 || inboundQos2.add(id);
        if (deliver) {
            stats.received.increment();
            byte[] payload = ByteBufUtil.getBytes(msg.payload());
            listener.onMessage(this, msg.variableHeader().topicName(), payload, qos);
        }
        if (qos == 1) {
            ch.write(Packets.ack(MqttMessageType.PUBACK, id), ch.voidPromise());
        } else if (qos == 2) {
            ch.write(Packets.ack(MqttMessageType.PUBREC, id), ch.voidPromise());
        }
    }

    private static int packetId(MqttMessage msg) {
        return ((MqttMessageIdVariableHeader) msg.variableHeader()).messageId();
    }

    /** The pipeline's last handler: forwards to the session, tagged with its channel. */
    private final class Handler extends SimpleChannelInboundHandler<MqttMessage> {

        private boolean pingPending;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (channel == ctx.channel()) {
                onActive(ctx.channel());
            }
            ctx.fireChannelActive();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, MqttMessage msg) {
            pingPending = false;
            onPacket(ctx.channel(), msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            onClosed(ctx.channel());
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable() && state == State.CONNECTED && channel == ctx.channel()) {
                listener.onWritable(MqttSession.this);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent idle) {
                if (idle.state() == IdleState.READER_IDLE && pingPending) {
                    stats.protocolErrors.increment();
                    LOG.debug("{}: no answer to PINGREQ within the keep-alive; closing", settings.clientId());
                    ctx.close();
                } else if (idle.state() == IdleState.READER_IDLE || idle.state() == IdleState.WRITER_IDLE) {
                    // keep-alive: say something when we were quiet, and ask when the broker was quiet
                    pingPending = true;
                    ctx.writeAndFlush(Packets.PINGREQ, ctx.voidPromise());
                }
            } else {
                ctx.fireUserEventTriggered(evt);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("{}: connection error: {}", settings.clientId(), cause.toString());
            ctx.close();
        }
    }
}

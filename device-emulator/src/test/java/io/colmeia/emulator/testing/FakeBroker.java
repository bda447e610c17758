package io.colmeia.emulator.testing;

import io.colmeia.emulator.subscriber.TopicFilter;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnAckVariableHeader;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubAckPayload;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;

/**
 * A small misbehaving MQTT 3.1.1 broker for tests, on loopback: records every PUBLISH it receives (with its
 * DUP flag), can withhold acknowledgements and drop every connection, and forwards publishes to subscribers
 * at QoS 0 with a chosen number of copies per message (0 = drop, 2 = duplicate).
 */
public final class FakeBroker implements AutoCloseable {

    /** One PUBLISH as the broker saw it. */
    public record Received(String clientId, String topic, int qos, boolean dup, boolean retain, int packetId,
                           byte[] payload) {
        public String text() {
            return new String(payload, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private static final AttributeKey<String> CLIENT_ID = AttributeKey.valueOf("clientId");
    private static final AttributeKey<String> FILTER = AttributeKey.valueOf("filter");

    private final EventLoopGroup group = new NioEventLoopGroup(1);
    private final ChannelGroup clients = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final Channel server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger connects = new AtomicInteger();
    private final AtomicInteger forwarded = new AtomicInteger();
    private volatile boolean acknowledge = true;
    private volatile boolean complete = true;
    private final List<Integer> pubrels = new CopyOnWriteArrayList<>();
    private volatile IntUnaryOperator copies = n -> 1;

    public FakeBroker(String host, int port) throws InterruptedException {
        try {
            server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            clients.add(ch);
                            ch.pipeline().addLast(new MqttDecoder(), MqttEncoder.INSTANCE, new Handler());
                        }
                    })
                    .bind(host, port).sync().channel();
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    public List<Received> received() {
        return received;
    }

    public int connects() {
        return connects.get();
    }

    /** Whether QoS 1/2 PUBLISHes get PUBACK/PUBREC. */
    public void acknowledge(boolean on) {
        acknowledge = on;
    }

    /** Whether PUBREL gets PUBCOMP (the last step of QoS 2). */
    public void completeQos2(boolean on) {
        complete = on;
    }

    /** Packet ids of every PUBREL received, in order. */
    public List<Integer> pubrels() {
        return pubrels;
    }

    /** How many copies the n-th forwarded message (0-based) gets: 0 drops it, 2 duplicates it. */
    public void forwardCopies(IntUnaryOperator f) {
        copies = f;
    }

    /** Closes every client connection without DISCONNECT, as a dying broker would. */
    public void dropConnections() {
        clients.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        clients.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    private final class Handler extends SimpleChannelInboundHandler<MqttMessage> {

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, MqttMessage msg) {
            Channel ch = ctx.channel();
            switch (msg.fixedHeader().messageType()) {
                case CONNECT -> {
                    ch.attr(CLIENT_ID).set(((MqttConnectMessage) msg).payload().clientIdentifier());
                    connects.incrementAndGet();
                    ch.writeAndFlush(new MqttConnAckMessage(
                            new MqttFixedHeader(MqttMessageType.CONNACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                            new MqttConnAckVariableHeader(MqttConnectReturnCode.CONNECTION_ACCEPTED, false)));
                }
                case PUBLISH -> onPublish(ch, (MqttPublishMessage) msg);
                case PUBREL -> {
                    pubrels.add(id(msg));
                    if (complete) {
                        ch.writeAndFlush(ack(MqttMessageType.PUBCOMP, id(msg)));
                    }
                }
                case SUBSCRIBE -> {
                    MqttSubscribeMessage sub = (MqttSubscribeMessage) msg;
                    ch.attr(FILTER).set(sub.payload().topicSubscriptions().get(0).topicFilter());
                    ch.writeAndFlush(new MqttSubAckMessage(
                            new MqttFixedHeader(MqttMessageType.SUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                            MqttMessageIdVariableHeader.from(sub.variableHeader().messageId()),
                            new MqttSubAckPayload(0)));
                }
                case PINGREQ -> ch.writeAndFlush(new MqttMessage(
                        new MqttFixedHeader(MqttMessageType.PINGRESP, false, MqttQoS.AT_MOST_ONCE, false, 0)));
                case DISCONNECT -> ch.close();
                default -> {
                }
            }
        }

        private void onPublish(Channel ch, MqttPublishMessage p) {
            int qos = p.fixedHeader().qosLevel().value();
            String topic = p.variableHeader().topicName();
            byte[] payload = ByteBufUtil.getBytes(p.payload());
            received.add(new Received(ch.attr(CLIENT_ID).get(), topic, qos, p.fixedHeader().isDup(),
                    p.fixedHeader().isRetain(), p.variableHeader().packetId(), payload));
            if (acknowledge && qos == 1) {
                ch.writeAndFlush(ack(MqttMessageType.PUBACK, p.variableHeader().packetId()));
            } else if (acknowledge && qos == 2) {
                ch.writeAndFlush(ack(MqttMessageType.PUBREC, p.variableHeader().packetId()));
            }
            for (Channel c : clients) {
                String filter = c.attr(FILTER).get();
                if (filter != null && TopicFilter.matches(filter, topic)) {
                    int n = copies.applyAsInt(forwarded.getAndIncrement());
                    for (int i = 0; i < n; i++) {
                        c.writeAndFlush(new MqttPublishMessage(
                                new MqttFixedHeader(MqttMessageType.PUBLISH, false, MqttQoS.AT_MOST_ONCE, false, 0),
                                new MqttPublishVariableHeader(topic, -1), Unpooled.wrappedBuffer(payload)));
                    }
                }
            }
        }

        private MqttMessage ack(MqttMessageType type, int id) {
            return new MqttMessage(new MqttFixedHeader(type, false, MqttQoS.AT_MOST_ONCE, false, 0),
                    MqttMessageIdVariableHeader.from(id));
        }

        private int id(MqttMessage m) {
            return ((MqttMessageIdVariableHeader) m.variableHeader()).messageId();
        }
    }
}

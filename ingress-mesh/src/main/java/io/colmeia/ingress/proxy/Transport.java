package io.colmeia.ingress.proxy;

import io.netty.bootstrap.AbstractBootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollMode;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.epoll.EpollSocketChannelConfig;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.concurrent.ThreadFactory;

/**
 * The socket implementation: Linux epoll when the native library loads, else Java NIO (same behaviour, minus
 * the Linux-only socket options: level-triggered epoll and TCP_QUICKACK).
 */
public record Transport(String name, Class<? extends ServerSocketChannel> serverChannel,
                        Class<? extends SocketChannel> clientChannel, boolean epoll) {

    public static Transport best() {
        if (Epoll.isAvailable()) {
            return new Transport("epoll", EpollServerSocketChannel.class, EpollSocketChannel.class, true);
        }
        return nio();
    }

    public static Transport nio() {
        return new Transport("nio", NioServerSocketChannel.class, NioSocketChannel.class, false);
    }

    public EventLoopGroup newGroup(int threads, ThreadFactory threadFactory) {
        return epoll ? new EpollEventLoopGroup(threads, threadFactory) : new NioEventLoopGroup(threads, threadFactory);
    }

    /**
     * Relayed sockets use level-triggered epoll: a read that returns less than the buffer ends the batch,
     * where edge-triggered mode needs one more read() that returns EAGAIN. Small MQTT packets make that extra
     * system call a large share of the relay's work.
     */
    public void relayOptions(AbstractBootstrap<?, ?> bootstrap) {
        if (epoll) {
            bootstrap.option(EpollChannelOption.EPOLL_MODE, EpollMode.LEVEL_TRIGGERED);
        }
    }

    /** The same for the sockets a server accepts. */
    public void relayChildOptions(ServerBootstrap bootstrap) {
        if (epoll) {
            bootstrap.childOption(EpollChannelOption.EPOLL_MODE, EpollMode.LEVEL_TRIGGERED);
        }
    }

    /**
     * Asks Linux to acknowledge what this socket receives at once instead of delaying the ACK (up to 40 ms).
     * The kernel leaves quick-ACK mode on its own (when it sees request/response traffic), so this must be
     * re-armed after every read. Without it, a client that leaves Nagle on (MQTT.js, Node-RED) holds its next
     * small packet (a PUBACK) until our delayed ACK arrives. No-op on NIO or a closed socket.
     */
    public static void quickAck(Channel channel) {
        if (channel.config() instanceof EpollSocketChannelConfig epollConfig && channel.isOpen()) {
            try {
                epollConfig.setTcpQuickAck(true);
            } catch (ChannelException closedMeanwhile) {
                // the socket closed between the check and the call: nothing left to acknowledge
            }
        }
    }
}

package io.colmeia.broker.cluster.link;

import io.colmeia.common.config.HostPort;
import io.netty.channel.Channel;

/** What a link reports to the cluster node. Called on the link's event loop. */
public interface LinkEvents {

    /** Acceptor side: a dialer introduced itself; answer with {@link Frame.Welcome} or {@link Frame.Reject}. */
    Frame onHello(Channel channel, Frame.Hello hello);

    /** The handshake completed (either side); from now on frames of {@code peer} arrive in {@link #onFrame}. */
    void onLinkUp(Channel channel, String peer, long incarnation, HostPort dialed);

    /** Dialer side: the acceptor refused the handshake. */
    void onRejected(io.netty.channel.Channel channel, HostPort dialed, Frame.Reject reject);

    void onFrame(Channel channel, String peer, Frame frame);

    void onWritable(String peer);

    /** The connection closed; {@code peer} is null when it closed before the handshake completed. */
    void onClosed(Channel channel, String peer, HostPort dialed, String reason);
}

package io.colmeia.persistence;

import io.colmeia.common.config.HostPort;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Free addresses on our loopback range (127.0.4.x) for tests. */
public final class Loopback {

    public static final String HOST = "127.0.4.7";

    private Loopback() {
    }

    public static HostPort freeAddress() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(HOST, 0));
            return new HostPort(HOST, socket.getLocalPort());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

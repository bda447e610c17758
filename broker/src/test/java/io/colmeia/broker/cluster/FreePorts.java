package io.colmeia.broker.cluster;

import io.colmeia.common.config.HostPort;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Free loopback ports for tests, on the address each test chooses. */
final class FreePorts {

    private FreePorts() {
    }

    static HostPort free(String host) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(host, 0));
            return new HostPort(host, socket.getLocalPort());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package io.colmeia.ingress.support;

import io.colmeia.common.config.HostPort;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Free TCP ports on a given loopback address (tests only ever use 127.0.0.0/8). */
public final class FreePorts {

    private FreePorts() {
    }

    public static HostPort on(String loopbackHost) {
        if (!loopbackHost.startsWith("127.")) {
            throw new IllegalArgumentException("tests use loopback only, not " + loopbackHost);
        }
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(loopbackHost, 0));
            return new HostPort(loopbackHost, socket.getLocalPort());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

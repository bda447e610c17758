package io.colmeia.common.testing;

import io.colmeia.common.config.HostPort;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Free TCP ports on loopback addresses for tests (tests only ever use 127.0.0.0/8). Shared by every module. */
public final class FreePorts {

    private FreePorts() {
    }

    /** A free port on one loopback address. */
    public static HostPort on(String loopbackHost) {
        requireLoopback(loopbackHost);
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(loopbackHost, 0));
            return new HostPort(loopbackHost, socket.getLocalPort());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A port free on every one of these loopback addresses (processes listening on one port, one per address). */
    public static int onAll(String... loopbackHosts) {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = on(loopbackHosts[0]).port();
            if (freeOnRest(port, loopbackHosts)) {
                return port;
            }
        }
        throw new IllegalStateException("no port free on all of " + String.join(", ", loopbackHosts));
    }

    private static boolean freeOnRest(int port, String... hosts) {
        for (int i = 1; i < hosts.length; i++) {
            requireLoopback(hosts[i]);
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(hosts[i], port));
            } catch (IOException busy) {
                return false;
            }
        }
        return true;
    }

    private static void requireLoopback(String host) {
        if (!host.startsWith("127.")) {
            throw new IllegalArgumentException("tests use loopback only, not " + host);
        }
    }
}

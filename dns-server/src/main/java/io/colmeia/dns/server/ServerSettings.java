package io.colmeia.dns.server;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * Socket-side limits of the server.
 *
 * @param listen                     UDP and TCP address (port 0: any free port, the same for both)
 * @param tcpMaxConnections          TCP connections open at once, in total
 * @param tcpMaxConnectionsPerClient TCP connections open at once from one client address
 * @param tcpIdleTimeout             a TCP connection is closed when no complete query arrived for this long
 *                                   (since it opened or since its previous query): idle clients and slowloris
 *                                   senders both lose their connection
 */
public record ServerSettings(InetSocketAddress listen, int tcpMaxConnections, int tcpMaxConnectionsPerClient,
                             Duration tcpIdleTimeout) {

    public ServerSettings {
        if (tcpMaxConnections < 1 || tcpMaxConnectionsPerClient < 1) {
            throw new IllegalArgumentException("TCP connection limits must be positive");
        }
        if (tcpIdleTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("the TCP idle timeout must be at least 1 ms");
        }
    }
}

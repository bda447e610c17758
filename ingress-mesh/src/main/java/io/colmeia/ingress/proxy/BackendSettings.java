package io.colmeia.ingress.proxy;

import java.time.Duration;

/**
 * How the ingress talks to replicas: connect timeout (a replica that does not accept in time is marked down),
 * whether to send a PROXY v2 header, the configured idle timeout, the outbound buffer water marks
 * (backpressure thresholds, bytes), how many healthy replicas to try before refusing a client, and whether to
 * re-arm TCP_QUICKACK on the client's socket after each read (Linux epoll only).
 */
public record BackendSettings(Duration connectTimeout, boolean proxyProtocol, Duration idleTimeout,
                              int lowWaterMark, int highWaterMark, int maxAttempts, boolean tcpQuickAck) {
}

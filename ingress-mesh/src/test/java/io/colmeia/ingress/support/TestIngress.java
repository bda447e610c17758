package io.colmeia.ingress.support;

import io.colmeia.common.testing.FreePorts;
import io.colmeia.common.config.HostPort;
import io.colmeia.ingress.IngressConfig;
import io.colmeia.ingress.IngressNode;
import io.colmeia.ingress.proxy.Transport;
import java.time.Duration;
import java.util.List;

/** Builds ingress nodes for tests: fast probes, free ports on a loopback address, everything else default. */
public final class TestIngress {

    public String nodeId = "ingress-test";
    public String host = "127.0.77.1";
    public List<HostPort> replicas = List.of();
    public Duration probeInterval = Duration.ofMillis(300);
    public Duration probeTimeout = Duration.ofSeconds(1);
    public int probeFailures = 1;
    public Duration connectTimeout = Duration.ofSeconds(10);
    public int maxConnectSize = 65536;
    public int maxConnections = 1000;
    public Duration idleTimeout = Duration.ZERO;
    public boolean proxyProtocol = false;
    public Duration shutdownGrace = Duration.ofSeconds(1);
    public Duration drainSpread = Duration.ofMillis(200);
    public boolean withHttp = false;
    public Duration slowStart = Duration.ZERO;
    public boolean tcpQuickAck = true;
    public int ioThreads = 0;
    public Transport transport = Transport.best();

    public static TestIngress on(String host, List<HostPort> replicas) {
        TestIngress t = new TestIngress();
        t.host = host;
        t.replicas = replicas;
        return t;
    }

    public IngressConfig config() {
        return new IngressConfig(nodeId, FreePorts.on(host), withHttp ? FreePorts.on(host) : null, replicas, null,
                1883, Duration.ofSeconds(10), probeInterval, probeTimeout, probeFailures, connectTimeout,
                maxConnectSize, maxConnections, 0, 0, idleTimeout, proxyProtocol, shutdownGrace, drainSpread,
                slowStart, tcpQuickAck, ioThreads);
    }

    /** Starts the node (retrying once if the free port was taken meanwhile). */
    public IngressNode start() {
        try {
            return IngressNode.start(config(), java.net.InetAddress::getAllByName, transport);
        } catch (RuntimeException first) {
            return IngressNode.start(config(), java.net.InetAddress::getAllByName, transport);
        }
    }
}

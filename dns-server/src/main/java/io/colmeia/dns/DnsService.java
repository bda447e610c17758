package io.colmeia.dns;

import io.colmeia.common.config.InvalidConfigurationException;
import io.colmeia.common.http.StatusServer;
import io.colmeia.common.metrics.Metrics;
import io.colmeia.dns.health.DnsNodeSource;
import io.colmeia.dns.health.HealthChecker;
import io.colmeia.dns.health.NodeSource;
import io.colmeia.dns.metrics.DnsMetrics;
import io.colmeia.dns.ratelimit.ResponseRateLimiter;
import io.colmeia.dns.server.DnsServer;
import io.colmeia.dns.zone.Endpoint;
import io.colmeia.dns.zone.ZoneSnapshot;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One DNS server process, wired: health checker → zone snapshot (swapped atomically on every change of the
 * answered nodes) → UDP/TCP server, plus metrics and the status endpoint. Ready once the first probe round
 * is done and both sockets listen.
 */
public final class DnsService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DnsService.class);

    private final DnsConfig config;
    private final PrometheusMeterRegistry registry;
    private final DnsMetrics metrics;
    private final AtomicReference<ZoneSnapshot> zone = new AtomicReference<>();
    private final AtomicBoolean ready = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private StatusServer status;
    private HealthChecker health;
    private DnsServer server;

    public DnsService(DnsConfig config) {
        this.config = config;
        this.registry = Metrics.create("dns", config.nodeId());
        this.metrics = new DnsMetrics(registry);
        this.zone.set(ZoneSnapshot.build(config.zone(), List.of()));
    }

    public synchronized void start() throws InterruptedException {
        long begin = System.nanoTime();
        if (config.http() != null) {
            status = StatusServer.start("--http", config.http(), registry, this::isReady);
        }
        health = new HealthChecker(nodeSource(), config.probe().create("colmeia-dns-probe-" + config.nodeId()),
                config.health(), metrics, this::serve);
        server = new DnsServer(config.server(), zone::get, new ResponseRateLimiter(config.rateLimit()), metrics);
        health.start();
        try {
            server.start();
        } catch (IOException e) {
            throw new InvalidConfigurationException("--listen", "cannot listen on " + config.server().listen()
                    + " for UDP and TCP (" + e.getMessage() + "); is another process using it? (port 53 needs"
                    + " privileges: use a port above 1023)");
        }
        ready.set(true);
        LOG.info("DNS server {} ready in {} ms: zone {}, {} answers {}, TTL {} s", config.nodeId(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin), config.zone().origin(),
                config.zone().serviceName(), zone.get().serving(), config.zone().ttl());
    }

    private NodeSource nodeSource() {
        NodeSource fixed = NodeSource.fixed(config.ingress());
        if (config.ingressDns() == null) {
            return fixed;
        }
        NodeSource discovered = new DnsNodeSource(config.ingressDns(), config.ingressPort(),
                config.ingressDnsServer(), config.health().timeout());
        return config.ingress().isEmpty() ? discovered : NodeSource.union(fixed, discovered);
    }

    private void serve(List<Endpoint> nodes) {
        zone.set(ZoneSnapshot.build(config.zone(), nodes));
        LOG.info("{} now answers {}", config.zone().serviceName(), nodes);
    }

    public boolean isReady() {
        return ready.get();
    }

    public InetSocketAddress udpAddress() {
        return server.udpAddress();
    }

    public InetSocketAddress tcpAddress() {
        return server.tcpAddress();
    }

    public ZoneSnapshot zone() {
        return zone.get();
    }

    public List<HealthChecker.NodeHealth> nodes() {
        return health.nodes();
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public int tcpConnections() {
        return server.tcpConnections();
    }

    @Override
    public synchronized void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        ready.set(false);
        if (server != null) {
            server.close();
        }
        if (health != null) {
            health.close();
        }
        if (status != null) {
            status.close();
        }
    }
}

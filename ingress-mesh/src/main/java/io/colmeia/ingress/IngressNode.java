package io.colmeia.ingress;

import io.colmeia.common.http.StatusServer;
import io.colmeia.common.metrics.Metrics;
import io.colmeia.ingress.balance.Replica;
import io.colmeia.ingress.balance.ReplicaSelector;
import io.colmeia.ingress.balance.ReplicaSet;
import io.colmeia.ingress.balance.SlowStart;
import io.colmeia.ingress.connect.ConnectRejection;
import io.colmeia.ingress.health.HealthChecker;
import io.colmeia.ingress.health.ReplicaDiscovery;
import io.colmeia.ingress.limit.ConnectionLimits;
import io.colmeia.ingress.metrics.IngressMetrics;
import io.colmeia.ingress.proxy.BackendConnector;
import io.colmeia.ingress.proxy.Transport;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running ingress node: wires the replica set, discovery, health checks, the proxy server and the status
 * endpoint, and takes them down in order ({@link #close()}: drain first). Ready means listening, not draining,
 * and at least one replica healthy.
 */
public final class IngressNode implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(IngressNode.class);

    private final IngressConfig config;
    private final PrometheusMeterRegistry registry;
    private final IngressMetrics metrics;
    private final ReplicaSet replicas;
    private final ReplicaDiscovery discovery;
    private final HealthChecker health;
    private final IngressServer server;
    private final ReplicaSelector selector;
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private StatusServer status;

    private IngressNode(IngressConfig config, ReplicaDiscovery.Resolver resolver, Transport transport) {
        this.config = config;
        this.registry = Metrics.create("ingress", config.nodeId());
        this.metrics = new IngressMetrics(registry);
        metrics.knownRefusals(refusalReasons());
        this.replicas = new ReplicaSet(this::registerReplica, r -> metrics.unregisterReplica(r.id()));
        this.health = new HealthChecker(replicas, config.probeInterval(), config.probeTimeout(),
                config.probeFailures(), "colmeia-ingress-probe-" + config.nodeId());
        this.discovery = new ReplicaDiscovery(replicas, config.replicas(), config.replicasDns(),
                config.replicasPort(), config.replicasDnsInterval(), resolver, health::probeSoon);
        ConnectionLimits limits = new ConnectionLimits(config.maxConnections(), config.maxConnectionsPerIp(),
                config.connectionRatePerIp(), System::nanoTime);
        this.selector = new ReplicaSelector(replicas, new SlowStart(config.slowStart()), System::nanoTime);
        this.server = new IngressServer(config, selector, metrics, limits, transport, health::probeSoon);
    }

    /** Every reason a connection can be refused for: CONNECT checks, limits, no replica. */
    static List<String> refusalReasons() {
        List<String> reasons = new ArrayList<>();
        for (ConnectRejection rejection : ConnectRejection.values()) {
            reasons.add(rejection.label());
        }
        for (ConnectionLimits.Admission admission : ConnectionLimits.Admission.values()) {
            if (admission != ConnectionLimits.Admission.ADMITTED) {
                reasons.add(admission.label());
            }
        }
        reasons.add(BackendConnector.NO_HEALTHY_REPLICA);
        return reasons;
    }

    /** Starts everything with the JDK resolver and the best transport; throws on bad configuration. */
    public static IngressNode start(IngressConfig config) {
        return start(config, InetAddress::getAllByName, Transport.best());
    }

    public static IngressNode start(IngressConfig config, ReplicaDiscovery.Resolver resolver, Transport transport) {
        config.validate();
        IngressNode node = new IngressNode(config, resolver, transport);
        try {
            node.discovery.start();
            node.health.start();
            node.server.start();
            if (config.http() != null) {
                node.status = StatusServer.start("--http", config.http(), node.registry, node::ready);
            }
        } catch (RuntimeException e) {
            node.stopNow();
            throw e;
        }
        LOG.info("ingress {} routing to {} replica(s){}", config.nodeId(), node.replicas.all().size(),
                config.replicasDns() == null ? "" : " (and DNS name " + config.replicasDns() + ")");
        return node;
    }

    private void registerReplica(Replica r) {
        metrics.registerReplica(r.id(), r, Replica::healthy, selector::weight, Replica::activeConnections,
                Replica::totalConnections, Replica::connectFailures);
    }

    public boolean ready() {
        return !draining.get() && server.listening() && replicas.anyHealthy();
    }

    public IngressServer server() {
        return server;
    }

    public ReplicaSet replicas() {
        return replicas;
    }

    public IngressMetrics metrics() {
        return metrics;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public IngressConfig config() {
        return config;
    }

    /** SIGTERM: not ready, stop accepting, drain (grace, then spread), then stop everything. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        draining.set(true);
        try {
            server.drain(config.shutdownGrace(), config.drainSpread());
        } finally {
            stopNow();
        }
    }

    private void stopNow() {
        draining.set(true);
        health.close();
        discovery.close();
        server.close();
        if (status != null) {
            status.close();
        }
    }
}

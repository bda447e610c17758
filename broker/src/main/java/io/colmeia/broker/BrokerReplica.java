package io.colmeia.broker;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.Metric;
import com.hivemq.embedded.EmbeddedExtension;
import com.hivemq.embedded.EmbeddedHiveMQ;
import com.hivemq.extension.sdk.api.packets.disconnect.DisconnectReasonCode;
import com.hivemq.extension.sdk.api.services.intializer.ClientInitializer;
import com.hivemq.extension.sdk.api.services.session.ClientService;
import io.colmeia.broker.cluster.ClusterNode;
import io.colmeia.broker.cluster.forward.Delivery;
import io.colmeia.broker.extension.ColmeiaExtension;
import io.colmeia.broker.extension.ConnectionGate;
import io.colmeia.broker.hivemq.HiveMqConfigFile;
import io.colmeia.broker.metrics.DroppedMessages;
import io.colmeia.broker.metrics.HiveMqMetrics;
import io.colmeia.broker.security.Security;
import io.colmeia.broker.overload.Backpressure;
import io.colmeia.broker.overload.HeapWatch;
import io.colmeia.broker.overload.HiveMqInternals;
import io.colmeia.broker.overload.OverloadConfig;
import io.colmeia.broker.overload.Warmup;
import io.colmeia.broker.telemetry.TelemetryConfig;
import io.colmeia.broker.telemetry.TelemetryTap;
import io.colmeia.common.config.InvalidConfigurationException;
import io.colmeia.common.http.StatusServer;
import io.colmeia.common.metrics.Metrics;
import io.colmeia.common.probe.MqttProbe;
import io.colmeia.persistence.MongoTelemetrySink;
import io.colmeia.persistence.PersistenceConfig;
import io.colmeia.persistence.TelemetrySink;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One broker replica: embedded HiveMQ CE with the colmeia extension, its status endpoint and metrics.
 * Ready only once its MQTT listener answers a real CONNECT; on close it drains clients, then stops HiveMQ.
 */
public final class BrokerReplica implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BrokerReplica.class);
    private static final Duration LISTENER_WAIT = Duration.ofSeconds(20);
    private static final String CONNECTIONS_GAUGE = "com.hivemq.networking.connections.current";

    private static final Duration WARMUP_BUDGET = Duration.ofSeconds(10);
    private static final long WARMUP_MIN_QUEUE = 10_000;

    private final BrokerConfig config;
    private final OverloadConfig overload;
    private final PrometheusMeterRegistry registry;
    private final ConnectionGate gate;
    private final AtomicBoolean ready = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private StatusServer status;
    private EmbeddedHiveMQ hivemq;
    private DroppedMessages drops;
    private ColmeiaExtension.ExtensionServices services;
    private ClusterNode cluster;
    private final BiFunction<PersistenceConfig, MeterRegistry, TelemetrySink> sinks;
    private TelemetrySink sink;
    private TelemetryTap tap;
    private Security security;
    private HeapWatch heap;
    private Backpressure backpressure;

    public BrokerReplica(BrokerConfig config) {
        this(config, OverloadConfig.defaults());
    }

    /** A replica with its own backpressure, in-flight window and warm-up settings. */
    public BrokerReplica(BrokerConfig config, OverloadConfig overload) {
        this(config, overload, MongoTelemetrySink::start);
    }

    /**
     * A replica whose telemetry sink (when {@code --telemetry on}) comes from {@code sinks} instead of
     * {@link MongoTelemetrySink#start}: for embedding, and for tests of what clients see when the sink refuses.
     */
    public BrokerReplica(BrokerConfig config, BiFunction<PersistenceConfig, MeterRegistry, TelemetrySink> sinks) {
        this(config, OverloadConfig.defaults(), sinks);
    }

    public BrokerReplica(BrokerConfig config, OverloadConfig overload,
                         BiFunction<PersistenceConfig, MeterRegistry, TelemetrySink> sinks) {
        this.config = config;
        this.overload = overload;
        this.sinks = sinks;
        this.registry = Metrics.create("broker", config.nodeId());
        this.gate = new ConnectionGate(registry);
    }

    public synchronized void start() {
        long begin = System.nanoTime();
        // before anything in this JVM creates a Netty event loop group: Netty reads its default size once
        if (!HiveMqInternals.setNetworkThreads(overload.effectiveNetworkThreads())) {
            LOG.info("network threads: -Dio.netty.eventLoopThreads={} is set and wins over --network-threads",
                    System.getProperty("io.netty.eventLoopThreads"));
        }
        status = StatusServer.start("--http", config.http(), registry, ready::get);
        requireFreeMqttAddress();
        Path conf = HiveMqConfigFile.write(config, config.dataDir().resolve("conf"));
        Path data = createDir(config.dataDir().resolve("data"));
        Path extensions = createDir(config.dataDir().resolve("extensions"));

        // listen to HiveMQ's drop events before it can drop anything
        drops = new DroppedMessages(registry, "a client's queue is full: raise --max-queue-size (now "
                + config.maxQueueSize() + ") or fix the slow subscriber");
        if (config.cluster().enabled()) {
            cluster = new ClusterNode(config.nodeId(), config.cluster(), config.maxPacketSize(), registry);
        }
        // the sink runs before HiveMQ accepts a client; the tap comes first among a client's interceptors, so a
        // publish the sink refused is not forwarded to peers either (HiveMQ stops at a prevented publish)
        List<ClientInitializer> initializers = new ArrayList<>();
        security = new Security(config.security(), gate, registry);
        TelemetryConfig telemetry = config.telemetry();
        if (telemetry.enabled()) {
            sink = sinks.apply(telemetry.persistence(), registry);
            tap = new TelemetryTap(sink, telemetry, config.nodeId(), registry);
            initializers.add(tap.clientInitializer());
        }
        if (cluster != null) {
            initializers.add(cluster.clientInitializer());
        }
        // the warm-up's own clients get no tap and no forwarder: nothing of the warm-up is stored or leaves;
        // the ACL guard (first) applies to every client
        List<ClientInitializer> perClient = new ArrayList<>();
        if (security.restrictsClients()) {
            // the ACL guard first of all: a refused publish must reach neither the sink nor the peers
            perClient.add(security.clientInitializer());
        }
        heap = new HeapWatch();
        backpressure = new Backpressure(overload, heap, registry);
        for (ClientInitializer initializer : initializers) {
            perClient.add((input, context) -> {
                if (!Warmup.isWarmupClient(input.getClientInformation().getClientId())) {
                    initializer.initialize(input, context);
                }
            });
        }
        HiveMqInternals.setInflightWindow(overload.inflightWindow());
        ColmeiaExtension extension = new ColmeiaExtension(security.authenticator(), security.authorizers(),
                perClient);
        hivemq = EmbeddedHiveMQ.builder()
                .withConfigurationFolder(conf)
                .withDataFolder(data)
                .withExtensionsFolder(extensions)
                .withEmbeddedExtension(EmbeddedExtension.builder()
                        .withId("colmeia")
                        .withName("colmeia")
                        .withVersion(version())
                        .withAuthor("colmeia")
                        .withPriority(1000)
                        .withStartPriority(1000)
                        .withExtensionMain(extension)
                        .build())
                .withoutLoggingBootstrap()
                .build();
        if (cluster != null) {
            cluster.runsIn(hivemq); // local PUBLISHes are then forwarded from HiveMQ's event loop (publish tap)
        }
        try {
            hivemq.start().get(overload.startTimeout().toMillis(), TimeUnit.MILLISECONDS);
            services = extension.services().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("HiveMQ did not start (--start-timeout " + overload.startTimeout() + "): "
                    + rootMessage(e), e);
        }
        security.start(services.clients());
        if (tap != null) {
            tap.start(services.clients()); // disconnects a client whose held PUBACK persistence refused
        }
        if (cluster != null) {
            cluster.start(new Delivery(services.publishes(), services.retained()),
                    ClusterNode.subscriptionsOf(services.subscriptions()));
        }
        HiveMqMetrics.export(hivemq.getMetricRegistry(), registry, config.nodeId());
        drops.install();
        security.logPosture(config.security().tls() == null ? List.of(config.mqtt())
                : List.of(config.mqtt(), config.security().tls().address()));
        if (cluster != null) {
            backpressure.watchLinks(cluster.backpressureLinks()); // peers' messages are paced like local ones
        }
        backpressure.start(HiveMqInternals.of(hivemq), services.subscriptions());
        awaitListener();
        if (overload.warmupMessages() > 0) {
            // QoS 1 warm-up messages need room in the warm-up subscriber's queue
            Warmup.run(config.mqtt().reachable(), config.nodeId(), overload.warmupMessages(), WARMUP_BUDGET,
                    config.maxQueueSize() >= WARMUP_MIN_QUEUE);
        }
        ready.set(true);
        LOG.info("broker {} ready in {} ms: MQTT on {}, persistence {}, max-queue-size {}, telemetry {}, backpressure"
                        + " {}, network threads {}", config.nodeId(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin),
                config.mqtt(), config.persistence(), config.maxQueueSize(), telemetry.enabled()
                        ? "on (filters " + telemetry.filters() + ", ack=" + telemetry.ack() + ")" : "off",
                overload.backpressure() ? "on (queue " + overload.queueHighWater() + ", heap "
                        + overload.heapPercent() + "%)" : "off", System.getProperty("io.netty.eventLoopThreads"));
    }

    public boolean isReady() {
        return ready.get();
    }

    public BrokerConfig config() {
        return config;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Drains (refuses new clients, disconnects connected ones with "server shutting down"), then stops. */
    @Override
    public synchronized void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        ready.set(false);
        gate.drain();
        try {
            if (backpressure != null) {
                backpressure.close(); // read every socket again, so clients see their DISCONNECT and go
            }
            if (cluster != null) {
                cluster.close();
            }
            if (hivemq != null) {
                if (services != null) {
                    disconnectClients(services.clients());
                }
                try {
                    hivemq.stop().get(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                    LOG.warn("HiveMQ did not stop cleanly: {}", rootMessage(e));
                }
                try {
                    hivemq.close();
                } catch (Exception e) {
                    LOG.debug("closing HiveMQ: {}", rootMessage(e));
                }
            }
        } finally {
            // HiveMQ takes no more publishes: write or spool what the sink still holds
            if (sink != null) {
                try {
                    sink.close();
                } catch (RuntimeException e) {
                    LOG.warn("closing the telemetry sink: {}", rootMessage(e));
                }
            }
            if (security != null) {
                security.close();
            }
            if (drops != null) {
                drops.stop();
            }
            if (heap != null) {
                heap.close();
            }
            if (status != null) {
                status.close();
            }
            registry.close();
        }
    }

    private void disconnectClients(ClientService clients) {
        List<CompletableFuture<Boolean>> pending = new ArrayList<>();
        try {
            clients.iterateAllClients((context, session) -> {
                if (session.isConnected()) {
                    pending.add(clients.disconnectClient(session.getClientIdentifier(), false,
                            DisconnectReasonCode.SERVER_SHUTTING_DOWN, "server shutting down"));
                }
            }).get(config.shutdownGrace().toMillis() + 1, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warn("could not list clients to disconnect: {}", rootMessage(e));
        }
        if (!pending.isEmpty()) {
            LOG.info("disconnecting {} client(s): server shutting down", pending.size());
        }
        long deadline = System.nanoTime() + config.shutdownGrace().toNanos();
        try {
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
                    .get(config.shutdownGrace().toMillis() + 1, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warn("not every client was disconnected within --shutdown-grace {}: {}",
                    config.shutdownGrace(), rootMessage(e));
        }
        while (connectedClients() > 0 && System.nanoTime() < deadline) {
            sleep(50);
        }
    }

    private long connectedClients() {
        Metric gauge = hivemq.getMetricRegistry().getMetrics().get(CONNECTIONS_GAUGE);
        if (gauge instanceof Gauge<?> g && g.getValue() instanceof Number n) {
            return n.longValue();
        }
        if (gauge instanceof com.codahale.metrics.Counter c) {
            return c.getCount();
        }
        return 0;
    }

    private void awaitListener() {
        long deadline = System.nanoTime() + LISTENER_WAIT.toNanos();
        MqttProbe.Result last;
        do {
            last = MqttProbe.probe(config.mqtt().reachable(), "colmeia-ready-" + config.nodeId(),
                    Duration.ofSeconds(2));
            if (last.healthy()) {
                return;
            }
            sleep(100);
        } while (System.nanoTime() < deadline);
        throw new IllegalStateException("MQTT listener on " + config.mqtt() + " did not accept connections within "
                + LISTENER_WAIT.toSeconds() + " s: " + last.detail());
    }

    /** HiveMQ only logs a listener that fails to bind; check first so the user gets a clear error. */
    private void requireFreeMqttAddress() {
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(config.mqtt().toSocketAddress());
        } catch (IOException | IllegalArgumentException | SecurityException e) {
            throw new InvalidConfigurationException("--mqtt", "cannot listen on " + config.mqtt() + " ("
                    + e.getMessage() + "); is another process using it?");
        }
    }

    private static Path createDir(Path dir) {
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new InvalidConfigurationException("--data-dir", "cannot create " + dir + " (" + e + ")");
        }
    }

    private static String version() {
        String v = BrokerReplica.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package io.colmeia.emulator.bench;

import io.colmeia.emulator.device.DeviceFleet;
import io.colmeia.emulator.device.FleetSettings;
import io.colmeia.emulator.mqtt.ClientSettings;
import io.colmeia.emulator.report.RunResult;
import io.colmeia.emulator.resolve.FixedResolver;
import io.colmeia.emulator.stats.ClientStats;
import io.colmeia.emulator.stats.CpuMeter;
import io.colmeia.emulator.stats.LatencyStats;
import io.colmeia.emulator.subscriber.SubscriberGroup;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one bounded run of a scenario against one target, in phases: subscribe (bounded), connect every
 * device (bounded; connection rate measured), publish for --duration or until --max-messages were sent,
 * then drain (bounded) until every QoS 1/2 message is acknowledged and every expected message delivered.
 * Every client and thread it starts is stopped before it returns, also on failure.
 */
public final class BenchRunner {

    private static final Logger LOG = LoggerFactory.getLogger(BenchRunner.class);
    private static final Duration SUBSCRIBE_WAIT = Duration.ofSeconds(10);
    private static final Duration CONNECT_SLACK = Duration.ofSeconds(20);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);
    private static final String TOPIC = "no{n}/{room}/temperatura";

    private final BenchSettings settings;
    private int runCounter;

    public BenchRunner(BenchSettings settings) {
        this.settings = settings;
    }

    /** One run; {@code round} 0 is a warm-up (same phases, shorter, result not reported as measured). */
    public RunResult run(BenchTarget target, int round, Duration measure) throws InterruptedException {
        int runIndex = runCounter++;
        long perDevice = settings.scenario().publishes()
                ? Math.max(1, (settings.maxMessages() + settings.clients() - 1) / settings.clients()) : 0;
        // disjoint device numbers (and so client ids and MACs) per run: no session or sequence leftovers
        int offset = (runIndex * settings.clients()) % (0xFF_FFFF - settings.clients());
        FleetSettings fleetSettings = new FleetSettings(settings.clients(), offset, "B0:C0:1A", TOPIC,
                settings.qos(), settings.scenario().publishes() ? settings.interval() : Duration.ofHours(1),
                perDevice, settings.rampRate(), 1 + runIndex);
        ClientSettings client = new ClientSettings("template", true, Duration.ofSeconds(60), null,
                settings.maxInFlight(), settings.tcpNoDelay(), Duration.ofSeconds(10), Duration.ofMillis(500),
                Duration.ofSeconds(5), 1 << 20);
        EventLoopGroup group = new NioEventLoopGroup(settings.threads(),
                new DefaultThreadFactory("bench-loop", true));
        FixedResolver resolver;
        FixedResolver subscriberResolver;
        try {
            resolver = new FixedResolver(target.address());
            subscriberResolver = new FixedResolver(target.subscriberAddress());
        } catch (UnknownHostException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IllegalArgumentException("target " + target.name() + ": host of '" + target.describe()
                    + "' is unknown", e);
        }
        ClientStats stats = new ClientStats();
        DeviceFleet fleet = new DeviceFleet(fleetSettings, client, group, resolver, stats);
        SubscriberGroup subs = new SubscriberGroup(
                settings.scenario().publishes() ? settings.subscribers() : 0, "bench-sub-" + runIndex,
                settings.filter(), settings.subscriberQos(), client, group, subscriberResolver);
        try {
            return measure(target, round, measure, fleet, subs, stats);
        } finally {
            try {
                CompletableFuture.allOf(fleet.close(), subs.close()).get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                LOG.warn("not every client of the run disconnected in time: {}", e.toString());
            }
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    private RunResult measure(BenchTarget target, int round, Duration measure, DeviceFleet fleet,
                              SubscriberGroup subs, ClientStats stats) throws InterruptedException {
        String problem = null;
        subs.start();
        if (!waitUntil(subs::allSubscribed, SUBSCRIBE_WAIT)) {
            problem = "subscribers did not subscribe within " + SUBSCRIBE_WAIT.toSeconds() + " s";
        }
        long rssBefore = target.pid() > 0 ? CpuMeter.processRssBytes(target.pid()) : -1;
        long connectStart = System.nanoTime();
        fleet.start(false);
        Duration connectBound = Duration.ofMillis(1000L * settings.clients() / settings.rampRate())
                .plus(CONNECT_SLACK);
        boolean allConnected = waitUntil(() -> stats.connected.get() >= settings.clients(), connectBound);
        double connectSeconds = (System.nanoTime() - connectStart) / 1e9;
        int connected = stats.connected.get();
        if (!allConnected && problem == null) {
            problem = "only " + connected + " of " + settings.clients() + " connected within "
                    + connectBound.toSeconds() + " s";
        }
        long rssConnected = target.pid() > 0 ? CpuMeter.processRssBytes(target.pid()) : -1;

        stats.ackLatency.reset();
        subs.endToEnd().reset();
        long cpuSelf0 = CpuMeter.selfCpuNanos();
        long cpuTarget0 = target.pid() > 0 ? CpuMeter.processCpuNanos(target.pid()) : -1;
        long start = System.nanoTime();
        long publishEnd = start;
        long end;
        if (settings.scenario().publishes()) {
            fleet.startPublishing();
            waitUntil(fleet::allFinished, measure);
            fleet.stopPublishing();
            publishEnd = System.nanoTime();
            waitUntil(() -> fleet.inFlight() == 0 && subs.unique() >= subs.expected(fleet.devices()),
                    settings.drain());
            end = System.nanoTime();
        } else {
            Thread.sleep(measure.toMillis()); // connections: hold them idle for the measurement
            end = System.nanoTime();
        }
        double seconds = Math.max(1e-9, (end - start) / 1e9);
        double publishSeconds = Math.max(1e-9, (publishEnd - start) / 1e9);
        double cpuSelf = CpuMeter.cores(cpuSelf0, CpuMeter.selfCpuNanos(), end - start);
        double cpuTarget = target.pid() > 0
                ? CpuMeter.cores(cpuTarget0, CpuMeter.processCpuNanos(target.pid()), end - start) : -1;
        long rssEnd = target.pid() > 0 ? CpuMeter.processRssBytes(target.pid()) : -1;
        long perConnection = rssBefore > 0 && rssConnected > 0 && connected > 0
                ? (rssConnected - rssBefore) / connected : -1;

        ClientStats.Snapshot s = stats.snapshot();
        long expected = subs.expected(fleet.devices());
        long received = subs.unique();
        return new RunResult(target.name(), target.describe(), round, settings.scenario().label(),
                settings.qos(), settings.clients(), subs.size(), connected, connectSeconds,
                connected / Math.max(1e-9, connectSeconds), publishSeconds, seconds, s.published(),
                s.acknowledged(), expected,
                received, subs.missing(fleet.devices()), subs.duplicates(), subs.outOfOrder(), fleet.inFlight(),
                s.skipped(), s.retransmitted(), s.reconnects(), s.errors() + subs.stats().errors(),
                s.published() / publishSeconds, s.acknowledged() / seconds, received / seconds,
                LatencyStats.summarize(stats.ackLatency.total()), LatencyStats.summarize(subs.endToEnd().total()),
                cpuSelf, cpuTarget, rssEnd, perConnection, problem);
    }

    /** Polls every 20 ms; true when the condition held before the bound. */
    static boolean waitUntil(java.util.function.BooleanSupplier condition, Duration bound)
            throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }
}

package io.colmeia.emulator;

import io.colmeia.emulator.device.DeviceFleet;
import io.colmeia.emulator.resolve.BrokerResolver;
import io.colmeia.emulator.stats.ClientStats;
import io.colmeia.emulator.stats.CpuMeter;
import io.colmeia.emulator.stats.LatencyStats;
import io.colmeia.emulator.subscriber.SubscriberGroup;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running fleet plus subscribers on a few event-loop threads, with a progress line every few seconds.
 * Subscribers are started (and given a bounded time to subscribe) before the devices, so that everything
 * the devices publish is expected by them.
 */
public final class Emulation implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Emulation.class);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

    private final EmulationConfig config;
    private final EventLoopGroup group;
    private final ClientStats deviceStats = new ClientStats();
    private final DeviceFleet fleet;
    private final SubscriberGroup subscribers;
    private final ScheduledExecutorService reporter;
    private final PrintStream out;
    private final long startNanos = System.nanoTime();
    private final long startCpu = CpuMeter.selfCpuNanos();
    private volatile Progress last;
    private volatile boolean subscribersReady;
    private boolean closed;
    // the previous progress sample (guarded by sample()'s lock)
    private long lastReportNanos = startNanos;
    private long lastPublished;
    private long lastAcked;
    private long lastReceived;
    private long lastCpu = startCpu;

    public Emulation(EmulationConfig config, BrokerResolver resolver, PrintStream out) {
        this.config = config;
        this.out = out;
        this.group = new NioEventLoopGroup(config.threads(), new DefaultThreadFactory("emulator-loop", true));
        this.fleet = new DeviceFleet(config.fleet(), config.client(), group, resolver, deviceStats);
        this.subscribers = new SubscriberGroup(config.subscribers(), "colmeia-sub-" + config.nodeId(),
                config.filter(), config.subscriberQos(), config.client(), group, resolver);
        this.reporter = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "emulator-progress");
            t.setDaemon(true);
            return t;
        });
        this.last = new Progress(0, 0, config.fleet().devices(), 0, 0, 0, 0, 0, 0, 0, 0, LatencyStats.Summary.EMPTY,
                LatencyStats.Summary.EMPTY, 0);
    }

    /** Starts subscribers, waits (bounded by {@code subscribeWait}) for their SUBACKs, then ramps devices up. */
    public void start(Duration subscribeWait) throws InterruptedException {
        subscribers.start();
        long deadline = System.nanoTime() + subscribeWait.toNanos();
        while (subscribers.size() > 0 && !subscribers.allSubscribed() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        subscribersReady = subscribers.allSubscribed();
        if (!subscribersReady) {
            LOG.warn("not every subscriber subscribed within {} s; starting the devices anyway",
                    subscribeWait.toSeconds());
        }
        fleet.start(true);
        long periodMs = config.progressInterval().toMillis();
        reporter.scheduleAtFixedRate(this::report, periodMs, periodMs, TimeUnit.MILLISECONDS);
    }

    /** Ramp-up finished and subscribers subscribed: what /ready reports. */
    public boolean ready() {
        return fleet.rampComplete() && subscribers.allSubscribed();
    }

    public DeviceFleet fleet() {
        return fleet;
    }

    public SubscriberGroup subscribers() {
        return subscribers;
    }

    public ClientStats deviceStats() {
        return deviceStats;
    }

    /** The figures of the last progress interval (for metrics gauges). */
    public Progress lastProgress() {
        return last;
    }

    /** True once every device sent its --count readings (never, without a count). */
    public boolean finished() {
        return fleet.settings().messagesPerDevice() > 0 && fleet.allFinished();
    }

    /** One progress line's figures; rates are per second over the last interval. */
    public record Progress(double seconds, int connected, int devices, double publishRate, double ackRate,
                           double receiveRate, long inFlight, long reconnects, long errors, long duplicates,
                           long lost, LatencyStats.Summary ack, LatencyStats.Summary endToEnd, double cpuCores) {
    }

    private void report() {
        try {
            Progress p = sample();
            last = p;
            out.printf(Locale.ROOT, "[%s %4.0fs] devices %d/%d connected | pub %.0f/s ack %.0f/s in-flight %d"
                            + " | reconnects %d errors %d | subs %d recv %.0f/s dup %d lost %d | ack %s | e2e %s"
                            + " | cpu %.2f cores%n",
                    config.nodeId(), p.seconds(), p.connected(), p.devices(), p.publishRate(), p.ackRate(), p.inFlight(),
                    p.reconnects(), p.errors(), subscribers.size(), p.receiveRate(), p.duplicates(), p.lost(),
                    p.ack().describe(), p.endToEnd().describe(), p.cpuCores());
            out.flush();
        } catch (RuntimeException e) {
            LOG.warn("progress report failed: {}", e.toString());
        }
    }

    private synchronized Progress sample() {
        long now = System.nanoTime();
        double dt = Math.max(1e-9, (now - lastReportNanos) / 1e9);
        ClientStats.Snapshot s = deviceStats.snapshot();
        long received = subscribers.unique();
        long cpu = CpuMeter.selfCpuNanos();
        Progress p = new Progress((now - startNanos) / 1e9, s.connected(), fleet.devices().size(),
                (s.published() - lastPublished) / dt, (s.acknowledged() - lastAcked) / dt,
                (received - lastReceived) / dt, fleet.inFlight(), s.reconnects(),
                s.errors() + subscribers.stats().errors(), subscribers.duplicates(), subscribers.gaps(),
                LatencyStats.summarize(deviceStats.ackLatency.interval()),
                LatencyStats.summarize(subscribers.endToEnd().interval()),
                CpuMeter.cores(lastCpu, cpu, now - lastReportNanos));
        lastReportNanos = now;
        lastPublished = s.published();
        lastAcked = s.acknowledged();
        lastReceived = received;
        lastCpu = cpu;
        return p;
    }

    /**
     * Stops publishing and waits (bounded) until every QoS 1/2 message is acknowledged and the subscribers
     * received what they expect, so the summary does not count messages still on the wire as lost.
     */
    public void drain(Duration max) throws InterruptedException {
        fleet.stopPublishing();
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline) {
            boolean acked = fleet.inFlight() == 0;
            boolean delivered = subscribers.size() == 0
                    || subscribers.unique() >= subscribers.expected(fleet.devices());
            if (acked && delivered) {
                return;
            }
            Thread.sleep(50);
        }
    }

    /** The final summary, printed once at the end of a run. */
    public void printSummary() {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        ClientStats.Snapshot s = deviceStats.snapshot();
        ClientStats.Snapshot sub = subscribers.stats().snapshot();
        double cores = CpuMeter.cores(startCpu, CpuMeter.selfCpuNanos(), System.nanoTime() - startNanos);
        out.printf(Locale.ROOT, "%n%s summary after %.1f s: %d devices (%d connected at the end), %d subscribers%n",
                config.nodeId(), seconds, fleet.devices().size(), s.connected(), subscribers.size());
        out.printf(Locale.ROOT, "  published %d, acknowledged %d, still in flight %d, skipped %d, retransmitted %d%n",
                s.published(), s.acknowledged(), fleet.inFlight(), s.skipped(), s.retransmitted());
        out.printf(Locale.ROOT, "  connects %d, connections lost %d, reconnect attempts %d, connect failures %d,"
                        + " DNS failures %d, protocol errors %d%n",
                s.connects(), s.connectionsLost(), s.reconnects(), s.connectFailures(), s.resolveFailures(),
                s.protocolErrors() + sub.protocolErrors());
        out.printf(Locale.ROOT, "  publish→ack latency: %s%n",
                LatencyStats.summarize(deviceStats.ackLatency.total()).describe());
        if (subscribers.size() > 0) {
            out.printf(Locale.ROOT, "  subscribers: expected %d, received %d unique, %d duplicates, %d out of order,"
                            + " %d lost, %d other messages%n",
                    subscribers.expected(fleet.devices()), subscribers.unique(), subscribers.duplicates(),
                    subscribers.outOfOrder(), subscribers.missing(fleet.devices()), subscribers.foreign());
            out.printf(Locale.ROOT, "  publish→deliver latency: %s%n",
                    LatencyStats.summarize(subscribers.endToEnd().total()).describe());
        }
        out.printf(Locale.ROOT, "  emulator CPU: %.2f cores on average (of %d)%n", cores,
                Runtime.getRuntime().availableProcessors());
        out.flush();
    }

    /** Devices say "offline" and disconnect, subscribers disconnect; bounded; the event loops stop. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        reporter.shutdownNow();
        try {
            CompletableFuture.allOf(fleet.close(), subscribers.close())
                    .get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("not every client disconnected within {} s; closing anyway", CLOSE_WAIT.toSeconds());
        } catch (Exception e) {
            LOG.warn("closing clients: {}", e.toString());
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }
}

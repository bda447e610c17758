package io.colmeia.broker.overload;

import com.hivemq.extension.sdk.api.services.subscription.SubscriptionStore;
import com.hivemq.extension.sdk.api.services.subscription.TopicSubscription;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Slows publishers down when the replica cannot deliver as fast as it receives, instead of queueing without
 * bound or acknowledging QoS 1/2 messages it will then drop. Every {@value #TICK_MS} ms it looks at three
 * things: the task backlog of HiveMQ's network event loops (received PUBLISHes waiting to be processed), the
 * queue of each connected QoS 1/2 subscriber, and the live heap. While one is over its mark (until it is back
 * under a lower one), it stops reading the sockets of all other clients (Netty autoRead off): their PUBLISHes
 * wait in their own TCP buffers, so QoS 1/2 publishers get their PUBACKs later and QoS 0 publishers are slowed
 * by TCP, with nothing piling up here. Subscribers holding a QoS 1/2 subscription are never paused: reading
 * their PUBACKs is what drains the queues. A subscriber whose queue stays over the mark for
 * {@link OverloadConfig#stallTimeout()} counts as stalled and pauses nobody until it drains again: one stuck
 * client must not stop the fleet (its queue then fills up to --max-queue-size, and HiveMQ drops beyond it,
 * counted). QoS 0 messages for a subscriber slower than its publishers are dropped by HiveMQ's own per-client
 * QoS 0 memory limit, and counted ({@code colmeia_broker_messages_dropped_total{reason="qos0_memory_exceeded"}}).
 *
 * <p>In a cluster ({@link #watchLinks}) the same reasons also stop reading the cluster links, so peers' forwarded
 * messages wait in TCP too; and a link to a peer that does not take more (not writable, or its buffer half full)
 * pauses this replica's publishers in turn, until the peer reads again. Only local reasons pause the links: a full
 * link pauses publishers only, so two replicas never wait on each other's links.
 */
public final class Backpressure implements AutoCloseable {

    static final long TICK_MS = 10;
    private static final Logger LOG = LoggerFactory.getLogger(Backpressure.class);
    private static final long RESCAN_EVERY_TICKS = 10;
    private static final long PRUNE_EVERY_TICKS = 100;
    private static final long FORCE_GC_AFTER_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final long REPORT_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long QOS_RECHECK_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final long FORGET_RECEIVER_NANOS = TimeUnit.SECONDS.toNanos(5);
    /**
     * HiveMQ decodes a PUBLISH on the connection's event loop and queues its processing as a task on that same
     * loop; when processing is slower than decoding, these tasks pile up (a QoS 0 firehose filled a 128 MiB
     * heap with them in seconds). More than this many pending tasks on one loop pause publishers ...
     */
    static final int BACKLOG_PAUSE_TASKS = 5_000;
    /** ... until every loop is back under this many. */
    static final int BACKLOG_RESUME_TASKS = 1_000;

    private final OverloadConfig config;
    private final HeapWatch heap;
    /**
     * Clients that are receiving messages now (found among all connections by their in-flight count, so nothing
     * is kept per idle connection), with whether they hold a QoS 1/2 subscription.
     */
    private final Map<String, Subscriber> subscribers = new ConcurrentHashMap<>();
    /** Channels this class paused; touched by the tick thread only. */
    private final Set<Channel> paused = new HashSet<>();
    /** Cluster link channels this class stopped reading; touched by the tick thread only. */
    private final Set<Channel> pausedLinks = new HashSet<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "backpressure");
        t.setDaemon(true);
        return t;
    });
    private final Counter queueEpisodes;
    private final Counter heapEpisodes;
    private final Counter backlogEpisodes;
    private final Counter linkEpisodes;
    private final Counter pausedSeconds;
    private final Counter stalls;
    private final Counter topUps;
    private final SubscriberQuickAck quickAck;
    private volatile HiveMqInternals internals;
    private volatile SubscriptionStore subscriptionStore;
    private volatile EventLoopGroup eventLoops;
    /** A local reason (queue, heap, backlog) is over its mark: publishers and links are paused. */
    private volatile boolean active;
    /** Publishers are paused, for a local reason or because a link to a peer is full. */
    private volatile boolean publishersPaused;
    private volatile Links links;
    private boolean linkWasBlocked;
    private volatile int stalledNow;
    private long ticks;
    private long episodeStart;
    private long lastForcedGc;
    // summary for the periodic log line
    private long reportStart = System.nanoTime();
    private long episodesSinceReport;
    private long pausedNanosSinceReport;
    private String lastCause = "";

    public Backpressure(OverloadConfig config, HeapWatch heap, MeterRegistry registry) {
        this.config = config;
        this.heap = heap;
        Gauge.builder("colmeia_broker_backpressure_active", () -> publishersPaused ? 1 : 0)
                .description("1 while publishers' sockets are not read because the replica is behind")
                .register(registry);
        Gauge.builder("colmeia_broker_backpressure_paused_clients", this, b -> b.pausedCount())
                .description("Clients whose socket reads are paused now").register(registry);
        Gauge.builder("colmeia_broker_backpressure_stalled_subscribers", () -> stalledNow)
                .description("QoS 1/2 subscribers over the queue mark for longer than --stall-timeout (ignored)")
                .register(registry);
        queueEpisodes = Counter.builder("colmeia_broker_backpressure_episodes_total")
                .description("Times publishers were paused, by cause").tag("cause", "queue").register(registry);
        heapEpisodes = Counter.builder("colmeia_broker_backpressure_episodes_total")
                .description("Times publishers were paused, by cause").tag("cause", "heap").register(registry);
        backlogEpisodes = Counter.builder("colmeia_broker_backpressure_episodes_total")
                .description("Times publishers were paused, by cause").tag("cause", "backlog").register(registry);
        linkEpisodes = Counter.builder("colmeia_broker_backpressure_episodes_total")
                .description("Times publishers were paused, by cause").tag("cause", "link").register(registry);
        Gauge.builder("colmeia_broker_backpressure_paused_links", this, b -> b.pausedLinkCount())
                .description("Cluster links whose reads are paused now (peers' messages wait in TCP)")
                .register(registry);
        Gauge.builder("colmeia_broker_inbound_backlog_tasks", this, b -> b.backlog())
                .description("Most tasks waiting on one of HiveMQ's network event loops (received PUBLISHes"
                        + " not processed yet, among others)").register(registry);
        pausedSeconds = Counter.builder("colmeia_broker_backpressure_paused_seconds_total")
                .description("Time during which publishers were paused").register(registry);
        stalls = Counter.builder("colmeia_broker_backpressure_stalls_total")
                .description("Subscribers found stalled (queue over the mark for --stall-timeout)")
                .register(registry);
        topUps = Counter.builder("colmeia_broker_inflight_topups_total")
                .description("Times an MQTT 3 subscriber's next batch was polled while half its in-flight window"
                        + " was still unacknowledged (HiveMQ itself waits for all)").register(registry);
        quickAck = new SubscriberQuickAck(registry);
        Gauge.builder("colmeia_broker_heap_live_ratio", heap, HeapWatch::liveRatio)
                .description("Heap in use after the last garbage collection, as a share of the maximum heap")
                .register(registry);
    }

    /** Starts watching (after HiveMQ started); {@code subscriptions} tells a receiver's subscription QoS. */
    public void start(HiveMqInternals hivemq, SubscriptionStore subscriptions) {
        this.internals = hivemq;
        this.subscriptionStore = subscriptions;
        if (!config.backpressure()) {
            LOG.info("backpressure is off: queues grow up to --max-queue-size and the heap is not watched");
            return;
        }
        if (config.subscriberQuickAck() && !quickAck.available()) {
            LOG.info("--subscriber-quickack: TCP_QUICKACK cannot be set here; subscribers with Nagle on may wait"
                    + " for delayed ACKs");
        }
        timer.scheduleWithFixedDelay(this::safeTick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
    }

    /** The cluster links of this replica, as backpressure sees them. */
    public interface Links {
        /** The channels of the links that are up. */
        Collection<Channel> channels();

        /** True while some peer does not take more messages from here (its link is full). */
        boolean blocked();
    }

    /** In a cluster: pause the links' reads with the publishers, and the publishers while a link is full. */
    public void watchLinks(Links clusterLinks) {
        this.links = clusterLinks;
    }

    public boolean isActive() {
        return publishersPaused;
    }

    private int pausedCount() {
        return publishersPaused ? paused.size() : 0;
    }

    private int pausedLinkCount() {
        return pausedLinks.size();
    }

    private void safeTick() {
        try {
            tick();
        } catch (RuntimeException e) {
            LOG.warn("backpressure check failed: {}", e.toString());
        }
    }

    void tick() {
        long now = System.nanoTime();
        ticks++;
        if (ticks % RESCAN_EVERY_TICKS == 1) {
            findReceivers(now);
        }
        String queueCause = checkQueues(now);
        int backlog = backlog();
        boolean backlogHigh = backlog > (active ? BACKLOG_RESUME_TASKS : BACKLOG_PAUSE_TASKS);
        boolean heapHigh = heap.liveRatio() >= (active ? config.heapResumeRatio() : config.heapPauseRatio());
        boolean pressure = queueCause != null || backlogHigh || heapHigh;
        Links clusterLinks = links;
        boolean linkBlocked = clusterLinks != null && clusterLinks.blocked();
        if (pressure) {
            String cause = queueCause != null ? queueCause
                    : backlogHigh ? backlog + " received messages and other tasks wait on one network thread"
                    : String.format("live heap %.0f%% of %d MiB", heap.liveRatio() * 100,
                    heap.maxHeapBytes() >> 20);
            if (!active) {
                active = true;
                (queueCause != null ? queueEpisodes : backlogHigh ? backlogEpisodes : heapEpisodes).increment();
            }
            lastCause = cause;
            if (heapHigh && now - episodeStart > FORCE_GC_AFTER_NANOS && heap.nanosSinceLastGc() > FORCE_GC_AFTER_NANOS
                    && now - lastForcedGc > FORCE_GC_AFTER_NANOS) {
                // nothing allocates while publishers wait, so no collection would tell us the heap is free again
                lastForcedGc = now;
                System.gc();
            }
        } else {
            active = false;
        }
        if (linkBlocked && !linkWasBlocked) {
            linkEpisodes.increment();
        }
        linkWasBlocked = linkBlocked;
        if (linkBlocked && !pressure) {
            lastCause = "a link to a peer is full (the peer reads slower than this replica forwards)";
        }
        if (active || linkBlocked) {
            if (!publishersPaused) {
                publishersPaused = true;
                episodeStart = now;
                episodesSinceReport++;
                pauseAll();
            } else if (ticks % RESCAN_EVERY_TICKS == 0) {
                pauseAll(); // clients that connected since, and reads HiveMQ itself switched back on
            }
        } else if (publishersPaused) {
            publishersPaused = false;
            long pausedFor = now - episodeStart;
            pausedNanosSinceReport += pausedFor;
            pausedSeconds.increment(pausedFor / 1e9);
            resumeAll();
        }
        // only a local reason stops the links: one paused because a link is full would never read the acks and
        // frames that let its peer go on, and two replicas could wait on each other for ever
        if (active && clusterLinks != null) {
            pauseLinks(clusterLinks);
        } else if (!pausedLinks.isEmpty()) {
            resumeLinks();
        }
        if (ticks % PRUNE_EVERY_TICKS == 0) {
            prune();
        }
        report(now);
    }

    /**
     * Notes every connection with messages in flight to it (a receiving subscriber); one that holds a QoS 1/2
     * subscription is never paused and its queue is watched. Receivers idle for a while are forgotten.
     */
    private void findReceivers(long now) {
        for (Channel channel : internals.channels()) {
            // visiting every connection anyway: free what HiveMQ keeps per connection and no longer needs
            HiveMqInternals.releaseAuthenticators(channel);
            String clientId = HiveMqInternals.receivingClientId(channel);
            if (clientId == null) {
                continue;
            }
            Subscriber s = subscribers.computeIfAbsent(clientId, Subscriber::new);
            s.lastReceiving = now;
            if (now - s.qosCheckedAt > QOS_RECHECK_NANOS) {
                s.qosCheckedAt = now;
                lookUpQos(s);
            }
            if (s.reliable) {
                if (config.subscriberQuickAck()) {
                    quickAck.install(channel);
                }
                if (paused.remove(channel)) {
                    channel.config().setAutoRead(true); // it must read its PUBACKs to drain its queue
                }
            }
        }
    }

    private void lookUpQos(Subscriber s) {
        try {
            subscriptionStore.getSubscriptions(s.clientId).whenComplete((subscriptions, e) -> {
                if (subscriptions != null) {
                    s.reliable = subscriptions.stream().map(TopicSubscription::getQos)
                            .anyMatch(q -> q.getQosNumber() > 0);
                }
            });
        } catch (RuntimeException e) {
            LOG.debug("subscriptions of {} not available: {}", s.clientId, e.toString());
        }
    }

    /** A description of the congested subscriber, or null when every connected QoS 1/2 subscriber keeps up. */
    private String checkQueues(long now) {
        String cause = null;
        int stalled = 0;
        for (Subscriber s : subscribers.values()) {
            if (!s.reliable) {
                continue; // QoS 0 only: HiveMQ bounds its queue in memory and drops (counted) beyond it
            }
            int size = internals.queueSize(s.clientId);
            if (size < 0) {
                continue;
            }
            if (internals.topUp(s.clientId, size, config.inflightWindow())) {
                topUps.increment();
            }
            int mark = active ? config.queueResumeMark() : config.queuePauseMark();
            if (size < config.queuePauseMark()) {
                s.lastUnderMark = now;
                if (s.stalled) {
                    s.stalled = false;
                    LOG.info("subscriber {} drains again (queue {}): it paces publishers again", s.clientId, size);
                }
            }
            if (size < mark) {
                continue;
            }
            if (now - s.lastUnderMark > config.stallTimeout().toNanos()) {
                stalled++;
                if (!s.stalled) {
                    s.stalled = true;
                    stalls.increment();
                    LOG.warn("subscriber {} has had more than {} queued or unacknowledged messages for {}: treated as stalled, it no"
                                    + " longer slows publishers; its queue fills up to --max-queue-size, beyond which"
                                    + " messages to it are dropped (colmeia_broker_messages_dropped_total)",
                            s.clientId, config.queuePauseMark(), config.stallTimeout());
                }
                continue;
            }
            if (cause == null) {
                cause = "subscriber " + s.clientId + " has " + size + " queued messages";
            }
        }
        stalledNow = stalled;
        return cause;
    }

    /** The longest task queue among HiveMQ's network event loops (0 until a client connected). */
    int backlog() {
        EventLoopGroup group = eventLoops;
        if (group == null) {
            for (Channel channel : internals.channels()) {
                group = channel.eventLoop().parent(); // HiveMQ's worker loops, shared by every connection
                eventLoops = group;
                break;
            }
            if (group == null) {
                return 0;
            }
        }
        int most = 0;
        for (EventExecutor loop : group) {
            if (loop instanceof SingleThreadEventExecutor single) {
                most = Math.max(most, single.pendingTasks());
            }
        }
        return most;
    }

    private void pauseAll() {
        for (Channel channel : internals.channels()) {
            String clientId = HiveMqInternals.connectedClientId(channel);
            if (clientId == null || isReliableReceiver(clientId)) {
                continue; // not connected yet (HiveMQ switches reads itself then), or a QoS 1/2 subscriber
            }
            if (channel.config().isAutoRead()) {
                channel.config().setAutoRead(false);
            }
            paused.add(channel);
        }
    }

    private void resumeAll() {
        for (Channel channel : paused) {
            if (channel.isActive()) {
                channel.config().setAutoRead(true);
            }
        }
        paused.clear();
    }

    private void pauseLinks(Links clusterLinks) {
        for (Channel channel : clusterLinks.channels()) {
            if (channel.config().isAutoRead()) {
                channel.config().setAutoRead(false);
            }
            pausedLinks.add(channel);
        }
    }

    private void resumeLinks() {
        for (Channel channel : pausedLinks) {
            if (channel.isActive()) {
                channel.config().setAutoRead(true);
            }
        }
        pausedLinks.clear();
    }

    private boolean isReliableReceiver(String clientId) {
        Subscriber s = subscribers.get(clientId);
        return s != null && s.reliable;
    }

    private void prune() {
        long now = System.nanoTime();
        subscribers.values().removeIf(s -> !internals.known(s.clientId)
                || (now - s.lastReceiving > FORGET_RECEIVER_NANOS && now - s.lastUnderMark < FORGET_RECEIVER_NANOS));
        paused.removeIf(channel -> !channel.isActive());
        pausedLinks.removeIf(channel -> !channel.isActive());
    }

    private void report(long now) {
        if (now - reportStart < REPORT_EVERY_NANOS) {
            return;
        }
        long window = now - reportStart;
        if (episodesSinceReport > 0) {
            long pausedNanos = pausedNanosSinceReport
                    + (publishersPaused ? now - Math.max(episodeStart, reportStart) : 0);
            LOG.info("backpressure: publishers paused {} time(s), {}% of the last {} s (last cause: {})",
                    episodesSinceReport, Math.round(100.0 * pausedNanos / window), window / 1_000_000_000L,
                    lastCause);
        }
        reportStart = now;
        episodesSinceReport = publishersPaused ? 1 : 0;
        pausedNanosSinceReport = 0;
    }

    /** Resumes every paused client and stops watching. */
    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        active = false;
        if (publishersPaused) {
            publishersPaused = false;
            resumeAll();
        }
        resumeLinks();
    }

    private static final class Subscriber {
        final String clientId;
        volatile long lastUnderMark = System.nanoTime();
        volatile long lastReceiving = System.nanoTime();
        volatile long qosCheckedAt = System.nanoTime() - QOS_RECHECK_NANOS - 1;
        volatile boolean reliable;
        volatile boolean stalled;

        Subscriber(String clientId) {
            this.clientId = clientId;
        }
    }
}

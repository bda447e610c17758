package io.colmeia.broker.cluster;

import com.hivemq.extension.sdk.api.services.intializer.ClientInitializer;
import com.hivemq.extension.sdk.api.services.subscription.SubscriptionStore;
import com.hivemq.extension.sdk.api.services.subscription.TopicSubscription;
import com.hivemq.embedded.EmbeddedHiveMQ;
import io.colmeia.broker.cluster.forward.Forwarder;
import io.colmeia.broker.hivemq.HiveMqInjector;
import io.colmeia.broker.cluster.forward.HiveMqPublishTap;
import com.hivemq.bootstrap.netty.NettyConfiguration;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.colmeia.broker.cluster.forward.Delivery;
import io.colmeia.broker.cluster.forward.LocalBroker;
import io.colmeia.broker.overload.Backpressure;
import io.colmeia.broker.overload.Warmup;
import io.colmeia.broker.cluster.forward.Outbox;
import io.colmeia.broker.cluster.link.AckBatch;
import io.colmeia.broker.cluster.link.Frame;
import io.colmeia.broker.cluster.link.FrameEncoder;
import io.colmeia.broker.cluster.link.LinkEvents;
import io.colmeia.broker.cluster.link.LinkTransport;
import io.colmeia.broker.cluster.link.Message;
import io.colmeia.broker.cluster.membership.Membership;
import io.colmeia.broker.cluster.route.LocalRoutes;
import io.colmeia.broker.cluster.route.RouteTable;
import io.colmeia.broker.cluster.share.ShareTopics;
import io.colmeia.broker.cluster.share.SharedGroups;
import com.hivemq.extension.sdk.api.interceptor.publish.PublishOutboundInterceptor;
import com.hivemq.extension.sdk.api.packets.subscribe.ModifiableSubscription;
import io.micrometer.core.instrument.Counter;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import io.colmeia.common.config.HostPort;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This replica's member of the cluster: links to every peer, the route table, forwarding of local clients'
 * PUBLISHes to the peers that want them, and delivery of what peers forward here. See docs/cluster.md.
 */
public final class ClusterNode implements LinkEvents, LocalRoutes.Listener, SharedGroups.Listener,
        AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterNode.class);
    /** Subscriptions are re-read from HiveMQ's store this often; withdrawn routes reach peers within it. */
    static final long RECONCILE_MS = 1_000;
    /** A filter seen by the subscribe interceptor is not withdrawn for this long (the store may lag behind). */
    private static final long PIN_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long DROP_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** First size of the buffer a drain encodes its frames into (it grows as needed). */
    private static final int BATCH_BYTES = 8192;
    /** A drain's buffer is handed to the channel once it holds this much (backpressure counts written bytes). */
    private static final int BATCH_LIMIT_BYTES = 65_536;

    private final String nodeId;
    private final ClusterConfig config;
    private final MeterRegistry registry;
    private final long incarnation;
    private final RouteTable routes = new RouteTable();
    private final LocalRoutes localRoutes = new LocalRoutes(PIN_NANOS, System::nanoTime, this);
    private final SharedGroups shares = new SharedGroups(PIN_NANOS, System::nanoTime, this);
    private final Counter shareDelivered;
    private final Counter shareMisses;
    private final AtomicLong lastMissLog = new AtomicLong(System.nanoTime() - DROP_LOG_INTERVAL_NANOS);
    /** A shared-group member receives its parked topic ($colmeia-share/GROUP/TOPIC) back as TOPIC. */
    private static final PublishOutboundInterceptor UNPARK = (in, out) -> {
        String topic = out.getPublishPacket().getTopic();
        if (topic.startsWith(ShareTopics.PARKED_PREFIX)) {
            out.getPublishPacket().setTopic(ShareTopics.unpark(topic));
        }
    };
    private final Map<String, Peer> peers = new ConcurrentHashMap<>();
    private final Set<Channel> rejected = ConcurrentHashMap.newKeySet();
    private final LinkTransport transport;
    private final Membership membership;
    private final ScheduledExecutorService reconciler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cluster-routes");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong lastDropLog = new AtomicLong(System.nanoTime() - DROP_LOG_INTERVAL_NANOS);
    private final AtomicInteger dropsSinceLog = new AtomicInteger();
    private volatile LocalBroker delivery;
    private volatile boolean closing;
    /** The HiveMQ this node runs in (set before it starts), for the publish tap. */
    private volatile EmbeddedHiveMQ hivemq;
    /** null until the first attempt; then whether local PUBLISHes reach {@link #forward} through the tap. */
    private Boolean tapped;
    private final Counter seenByTap;
    private final Counter seenByInterceptor;

    /** Where the current subscriptions of local clients come from (HiveMQ's subscription store). */
    @FunctionalInterface
    public interface SubscriptionSource {
        /** (client id, stored topic filter) of every local subscription. */
        Collection<Map.Entry<String, String>> subscriptions() throws Exception;

        /** Plain filters held by one anonymous client (tests). */
        static SubscriptionSource ofFilters(Collection<String> filters) {
            return () -> filters.stream().map(f -> Map.entry("local", f)).toList();
        }
    }

    public ClusterNode(String nodeId, ClusterConfig config, int maxPacketSize, MeterRegistry registry) {
        this(nodeId, config, maxPacketSize, registry, name -> List.of(InetAddress.getAllByName(name)));
    }

    ClusterNode(String nodeId, ClusterConfig config, int maxPacketSize, MeterRegistry registry,
                Membership.Resolver resolver) {
        this.nodeId = nodeId;
        this.config = config;
        this.registry = registry;
        long random = new SecureRandom().nextLong();
        this.incarnation = random == 0 ? 1 : random;
        this.transport = new LinkTransport(this, config.heartbeat(), config.timeout(), maxPacketSize + 65_536);
        this.membership = new Membership(config.peers(), config.peersDns(),
                config.peersDns().isEmpty() ? 0 : config.dnsPeerPort(), config.dnsInterval().toMillis(),
                resolver, this::dial, this::isUp);
        Gauge.builder("colmeia_broker_cluster_peers", this, n -> n.peersUp())
                .description("Peers with a link up, by state").tag("state", "up").register(registry);
        Gauge.builder("colmeia_broker_cluster_peers", this, n -> n.peers.size() - n.peersUp())
                .description("Peers with a link up, by state").tag("state", "down").register(registry);
        Gauge.builder("colmeia_broker_cluster_routes", routes, RouteTable::size)
                .description("Topic filters advertised by all peers (the remote route table)").register(registry);
        Gauge.builder("colmeia_broker_cluster_local_routes", localRoutes, LocalRoutes::size)
                .description("Topic filters this replica advertises to its peers").register(registry);
        Gauge.builder("colmeia_broker_cluster_share_members", shares, SharedGroups::localMemberCount)
                .description("Shared-subscription members on this replica (per group)").register(registry);
        shareDelivered = Counter.builder("colmeia_broker_cluster_share_deliveries_total")
                .description("Messages delivered here to one member of a $share group this replica was picked for")
                .register(registry);
        seenByTap = Counter.builder("colmeia_broker_cluster_local_publishes_total")
                .description("Local clients' PUBLISHes the cluster looked at for forwarding, by how it saw them: tap"
                        + " (on the client's event loop, the fast path) or interceptor (HiveMQ's extension executor)")
                .tag("path", "tap").register(registry);
        seenByInterceptor = Counter.builder("colmeia_broker_cluster_local_publishes_total")
                .description("Local clients' PUBLISHes the cluster looked at for forwarding, by how it saw them: tap"
                        + " (on the client's event loop, the fast path) or interceptor (HiveMQ's extension executor)")
                .tag("path", "interceptor").register(registry);
        Gauge.builder("colmeia_broker_cluster_link_shares_network_threads", transport,
                        t -> t.sharesEventLoops() ? 1 : 0)
                .description("1 when the cluster links run on HiveMQ's network threads (no hand-off per forwarded"
                        + " message); 0 = threads of their own (WARN at start says why)")
                .register(registry);
        Gauge.builder("colmeia_broker_cluster_publish_tap", this, n -> n.tapActive() ? 1 : 0)
                .description("1 when local PUBLISHes are forwarded from HiveMQ's event loop (the fast path); 0 ="
                        + " through a publish interceptor, two thread hand-offs per message (WARN at start says why)")
                .register(registry);
        shareMisses = Counter.builder("colmeia_broker_cluster_share_misses_total")
                .description("Messages for a $share group this replica was picked for that found no member here")
                .register(registry);
    }

    /**
     * Interceptors every client gets: forwarding of its PUBLISHes, fast route adds on SUBSCRIBE, and the parking
     * of {@code $share} subscriptions (see {@link ShareTopics}); a shared-group member also gets the outbound
     * interceptor that restores its topics (only members pay for it).
     */
    public ClientInitializer clientInitializer() {
        Forwarder forwarder = new Forwarder(publish -> {
            seenByInterceptor.increment();
            forward(publish.getTopic(), publish.getRetain(), () -> Delivery.fromPacket(publish));
        });
        return (input, context) -> {
            String clientId = input.getClientInformation().getClientId();
            if (!tapLocalPublishes()) {
                context.addPublishInboundInterceptor(forwarder);
            }
            AtomicBoolean unparking = new AtomicBoolean();
            Runnable needsUnpark = () -> {
                if (unparking.compareAndSet(false, true)) {
                    context.addPublishOutboundInterceptor(UNPARK);
                }
            };
            if (shares.isLocalMember(clientId)) {
                needsUnpark.run(); // a persistent session that is a member already
            }
            context.addSubscribeInboundInterceptor((in, out) -> {
                List<String> plain = new ArrayList<>();
                for (ModifiableSubscription s : out.getSubscribePacket().getSubscriptions()) {
                    ShareTopics.Share share = ShareTopics.parseShare(s.getTopicFilter());
                    if (share == null) {
                        plain.add(s.getTopicFilter());
                        continue;
                    }
                    needsUnpark.run();
                    s.setTopicFilter(share.parked());
                    shares.subscribed(clientId, share.key());
                }
                localRoutes.subscribed(plain);
            });
            context.addUnsubscribeInboundInterceptor((in, out) -> {
                List<String> filters = new ArrayList<>(out.getUnsubscribePacket().getTopicFilters());
                boolean changed = false;
                for (int i = 0; i < filters.size(); i++) {
                    ShareTopics.Share share = ShareTopics.parseShare(filters.get(i));
                    if (share != null) {
                        filters.set(i, share.parked());
                        shares.unsubscribed(clientId, share.key());
                        changed = true;
                    }
                }
                if (changed) {
                    out.getUnsubscribePacket().setTopicFilters(filters);
                }
            });
        };
    }

    /**
     * The HiveMQ this node runs in, before it starts: local PUBLISHes are then observed where HiveMQ hands them to
     * its delivery (see {@link HiveMqPublishTap}) instead of by a publish interceptor.
     */
    public void runsIn(EmbeddedHiveMQ hivemq) {
        this.hivemq = hivemq;
    }

    /**
     * Installs the publish tap on the first call (the first client's initializer, which runs before that client can
     * publish, or {@link #start}); every later call returns the same answer, so either every client is seen by the
     * tap or every client gets the interceptor, never both (a PUBLISH forwarded twice).
     */
    synchronized boolean tapLocalPublishes() {
        if (tapped == null) {
            EmbeddedHiveMQ h = hivemq;
            String why = h == null ? "this replica did not say which HiveMQ it runs in"
                    : HiveMqPublishTap.install(h, (topic, retain, publish, sender) -> {
                        if (!Warmup.isWarmupClient(sender)) {
                            seenByTap.increment();
                            forward(topic, retain, () -> HiveMqPublishTap.toMessage(publish));
                        }
                    });
            tapped = why == null;
            if (why == null) {
                LOG.info("cluster: local PUBLISHes are forwarded from HiveMQ's event loop (publish tap)");
            } else {
                LOG.warn("cluster: local PUBLISHes are forwarded by a publish interceptor (HiveMQ's extension"
                        + " executor, two thread hand-offs per message): the publish tap needs"
                        + " hivemq-community-edition-embedded 2025.5 internals: {}", why);
            }
        }
        return tapped;
    }

    /** The links run on HiveMQ's network threads when it can tell them (see LinkTransport#shareEventLoops). */
    private void shareHiveMqEventLoops() {
        EmbeddedHiveMQ h = hivemq;
        if (h == null) {
            return; // tests without HiveMQ: the link's own threads
        }
        try {
            EventLoopGroup loops = HiveMqInjector.instance(h, NettyConfiguration.class).getChildEventLoopGroup();
            if (!(loops instanceof NioEventLoopGroup)) {
                LOG.warn("cluster: links run on threads of their own: HiveMQ's network threads are {}, not NIO",
                        loops == null ? null : loops.getClass().getName());
                return;
            }
            transport.shareEventLoops(loops);
            LOG.info("cluster: links run on HiveMQ's network threads");
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            LOG.warn("cluster: links run on threads of their own (one more thread hand-off per forwarded message):"
                    + " HiveMQ's network threads need hivemq-community-edition-embedded 2025.5 internals: {}",
                    e.toString());
        }
    }

    private synchronized boolean tapActive() {
        return Boolean.TRUE.equals(tapped);
    }

    /** Starts the link listener, dialing and route reconciliation, once HiveMQ runs. */
    public void start(LocalBroker localBroker, SubscriptionSource subscriptions) {
        this.delivery = localBroker;
        tapLocalPublishes(); // decided now when no client came yet, so the gauge tells from the start
        Gauge.builder("colmeia_broker_cluster_direct_delivery", localBroker, b -> b.direct() ? 1 : 0)
                .description("1 when messages from peers are handed to HiveMQ without its extension executor (the"
                        + " fast path); 0 = through PublishService, several thread hand-offs per message")
                .register(registry);
        shareHiveMqEventLoops();
        transport.listen(config.listen());
        reconciler.scheduleWithFixedDelay(() -> reconcile(subscriptions), 0, RECONCILE_MS, TimeUnit.MILLISECONDS);
        membership.start();
        LOG.info("cluster: node {} links on {}; peers {}{}", nodeId, config.listen(), config.peers(),
                config.peersDns().isEmpty() ? "" : " and DNS " + config.peersDns() + " port " + config.dnsPeerPort());
    }

    private void reconcile(SubscriptionSource source) {
        try {
            Collection<Map.Entry<String, String>> subscriptions = source.subscriptions();
            List<String> plain = new ArrayList<>(subscriptions.size());
            for (Map.Entry<String, String> s : subscriptions) {
                if (ShareTopics.parseParked(s.getValue()) == null) {
                    plain.add(s.getValue());
                }
            }
            localRoutes.reconcile(plain);
            shares.reconcile(SharedGroups.membersOf(subscriptions));
        } catch (Exception e) {
            LOG.debug("cluster: could not read subscriptions: {}", e.toString());
        }
    }

    /** Every local subscription, from HiveMQ's store (the truth: it also drops vanished sessions). */
    public static SubscriptionSource subscriptionsOf(SubscriptionStore store) {
        return () -> {
            List<Map.Entry<String, String>> subscriptions = new java.util.concurrent.CopyOnWriteArrayList<>();
            store.iterateAllSubscriptions((context, result) -> {
                for (TopicSubscription s : result.getSubscriptions()) {
                    subscriptions.add(Map.entry(result.getClientId(), s.getTopicFilter()));
                }
            }).get(10, TimeUnit.SECONDS);
            return List.copyOf(subscriptions);
        };
    }

    // ---- forwarding (clients' threads)

    /** Queues a local client's PUBLISH for every peer that should get it; {@code message} is built only then. */
    public void forward(String topic, boolean retain, Supplier<Message> message) {
        List<SharedGroups.Pick> picks = shares.isEmpty() ? List.of() : shares.pick(topic, this::isUp);
        Message built = null;
        for (Peer peer : peers.values()) {
            boolean plain = retain || routes.matches(peer.id, topic);
            List<String> shareKeys = keysFor(picks, peer.id);
            if (!plain && shareKeys.isEmpty()) {
                continue;
            }
            if (built == null) {
                built = message.get();
            }
            switch (peer.outbox.offer(built, plain, shareKeys)) {
                case QUEUED -> {
                    if (plain) {
                        (retain ? peer.retainedForwards : peer.forwards[built.qos()]).increment();
                    }
                    if (!shareKeys.isEmpty()) {
                        peer.shareForwards.increment(shareKeys.size());
                    }
                    scheduleDrain(peer);
                }
                case DROPPED_FULL -> {
                    peer.droppedFull.increment();
                    logDrop(peer, "its buffer of " + config.bufferSize() + " messages is full (--cluster-buffer)");
                }
                case DROPPED_LINK_DOWN -> peer.droppedLinkDown.increment();
            }
        }
        for (SharedGroups.Pick pick : picks) {
            if (pick.local()) {
                if (built == null) {
                    built = message.get();
                }
                deliverShare(built, pick.key());
            }
        }
    }

    private static List<String> keysFor(List<SharedGroups.Pick> picks, String peerId) {
        List<String> keys = null;
        for (SharedGroups.Pick p : picks) {
            if (peerId.equals(p.peer())) {
                if (keys == null) {
                    keys = new ArrayList<>(picks.size());
                }
                keys.add(p.key());
            }
        }
        return keys == null ? List.of() : keys;
    }

    /** Delivers to one local member of group {@code key}: the next in turn, or the one after if it left. */
    private CompletableFuture<Void> deliverShare(Message m, String key) {
        LocalBroker d = delivery;
        ShareTopics.Share share = ShareTopics.parseKey(key);
        if (d == null || share == null) {
            shareMisses.increment();
            return CompletableFuture.completedFuture(null);
        }
        return tryMembers(d, m, ShareTopics.parkedTopic(share.group(), m.topic()), key, shares.localCandidates(key),
                0);
    }

    private CompletableFuture<Void> tryMembers(LocalBroker d, Message m, String topic, String key,
                                               List<String> members, int i) {
        if (i >= members.size()) {
            shareMisses.increment();
            long now = System.nanoTime();
            long last = lastMissLog.get();
            if (now - last >= DROP_LOG_INTERVAL_NANOS && lastMissLog.compareAndSet(last, now)) {
                LOG.warn("cluster: a message on {} for $share group {} found no member here (it left); not delivered"
                        + " to that group", m.topic(), key);
            }
            return CompletableFuture.completedFuture(null);
        }
        return d.deliverTo(m, topic, members.get(i)).handle((ok, e) -> {
            if (e == null && Boolean.TRUE.equals(ok)) {
                shareDelivered.increment();
                return CompletableFuture.<Void>completedFuture(null);
            }
            if (e != null) {
                LOG.debug("cluster: delivery to {} failed: {}", members.get(i), e.toString());
            }
            return tryMembers(d, m, topic, key, members, i + 1);
        }).thenCompose(f -> f);
    }

    private void logDrop(Peer peer, String why) {
        dropsSinceLog.incrementAndGet();
        long now = System.nanoTime();
        long last = lastDropLog.get();
        if (now - last >= DROP_LOG_INTERVAL_NANOS && lastDropLog.compareAndSet(last, now)) {
            LOG.warn("cluster: dropped {} message(s) for peer(s), e.g. {}: {}", dropsSinceLog.getAndSet(0), peer.id,
                    why);
        }
    }

    private void scheduleDrain(Peer peer) {
        Channel ch = peer.channel;
        if (ch != null && peer.drainScheduled.compareAndSet(false, true)) {
            ch.eventLoop().execute(() -> runDrain(peer));
        }
    }

    private void runDrain(Peer peer) {
        peer.drainScheduled.set(false);
        Channel ch = peer.channel;
        if (ch == null) {
            return;
        }
        if (!ch.eventLoop().inEventLoop()) {
            scheduleDrain(peer); // the link was replaced meanwhile: write only from its own loop, in order
            return;
        }
        peer.outbox.drain();
    }

    /**
     * The link as the outbox writes to it: the frames of one drain are encoded into one buffer and written with one
     * channel write per flush (the outbox flushes every few dozen frames), not a pipeline pass and a buffer each.
     * Used from the link's event loop only.
     */
    private static Outbox.Sink sink(Channel ch) {
        return new Outbox.Sink() {
            private ByteBuf batch;

            @Override
            public boolean writable() {
                return ch.isActive() && ch.isWritable() && ch.eventLoop().inEventLoop();
            }

            @Override
            public void write(Frame.Publish frame) {
                if (batch == null) {
                    batch = ch.alloc().ioBuffer(BATCH_BYTES);
                }
                FrameEncoder.writeFrame(frame, batch);
                if (batch.readableBytes() >= BATCH_LIMIT_BYTES) {
                    ch.write(batch, ch.voidPromise()); // large messages: let writability see them before the next
                    batch = null;
                }
            }

            @Override
            public void flush() {
                ByteBuf out = batch;
                batch = null;
                if (out != null) {
                    if (out.isReadable()) {
                        ch.write(out, ch.voidPromise());
                    } else {
                        out.release();
                    }
                }
                ch.flush();
            }
        };
    }

    // ---- route deltas (under LocalRoutes' lock)

    @Override
    public void added(String filter) {
        broadcast(new Frame.RouteAdd(filter));
    }

    @Override
    public void removed(String filter) {
        broadcast(new Frame.RouteRemove(filter));
    }

    @Override
    public void countChanged(String key, int count) {
        broadcast(new Frame.ShareCount(key, count));
    }

    private void broadcast(Frame frame) {
        for (Peer peer : peers.values()) {
            Channel ch = peer.channel;
            if (ch != null) {
                ch.writeAndFlush(frame, ch.voidPromise());
            }
        }
    }

    // ---- links (event loop threads)

    private void dial(HostPort address) {
        String host = config.listen().host();
        boolean wildcard = host.equals("0.0.0.0") || host.equals("::") || host.equals("0:0:0:0:0:0:0:0");
        transport.dial(address, new Frame.Hello(Frame.VERSION, nodeId, incarnation, config.listen().port()),
                        wildcard ? null : host)
                .addListener(f -> {
                    if (!f.isSuccess()) {
                        membership.failed(address, String.valueOf(f.cause()));
                    }
                });
    }

    @Override
    public Frame onHello(Channel channel, Frame.Hello hello) {
        if (hello.version() != Frame.VERSION) {
            LOG.error("cluster: refusing {} from {}: it speaks link protocol version {}, this node {}",
                    hello.nodeId(), channel.remoteAddress(), hello.version(), Frame.VERSION);
            return new Frame.Reject(Frame.RejectReason.VERSION, nodeId, "version " + Frame.VERSION);
        }
        if (hello.nodeId().equals(nodeId)) {
            if (hello.incarnation() == incarnation) {
                return new Frame.Reject(Frame.RejectReason.SELF, nodeId, "this is yourself");
            }
            LOG.error("cluster: refusing a link from {}: it uses this node's id {}; node ids must be unique",
                    channel.remoteAddress(), nodeId);
            return new Frame.Reject(Frame.RejectReason.DUPLICATE_ID, nodeId, "node id in use");
        }
        if (hello.nodeId().compareTo(nodeId) > 0) {
            // the lower id dials: make sure we know where to reach this peer, and tell it to wait for us
            InetSocketAddress remote = (InetSocketAddress) channel.remoteAddress();
            membership.learn(new HostPort(remote.getAddress().getHostAddress(), hello.clusterPort()));
            return new Frame.Reject(Frame.RejectReason.REVERSE, nodeId, "the lower node id dials");
        }
        return new Frame.Welcome(nodeId, incarnation);
    }

    @Override
    public void onRejected(Channel channel, HostPort dialed, Frame.Reject reject) {
        rejected.add(channel);
        switch (reject.reason()) {
            case REVERSE -> membership.reversed(dialed, reject.nodeId());
            case SELF -> {
                LOG.debug("cluster: {} is this node itself; not dialing it", dialed);
                membership.self(dialed);
            }
            case VERSION, DUPLICATE_ID -> {
                LOG.error("cluster: {} ({}) refused the link: {} {}", dialed, reject.nodeId(), reject.reason(),
                        reject.detail());
                membership.refused(dialed);
            }
        }
    }

    @Override
    public void onLinkUp(Channel channel, String peerId, long peerIncarnation, HostPort dialed) {
        Peer peer = peers.computeIfAbsent(peerId, id -> new Peer(id, config.bufferSize(), registry, this));
        Channel old = peer.channel;
        boolean restarted = peer.incarnation != 0 && peer.incarnation != peerIncarnation;
        if (old != null && old != channel) {
            detach(peer, old, "replaced by a new link");
            old.close();
        }
        peer.incarnation = peerIncarnation;
        peer.address = String.valueOf(channel.remoteAddress());
        peer.dedupe.linkUp(peerIncarnation);
        if (dialed != null) {
            membership.connected(dialed, peerId);
        }
        peer.outbox.linkUp(sink(channel));
        peer.channel = channel;
        localRoutes.withSnapshot(filters -> channel.writeAndFlush(new Frame.RoutesFull(List.copyOf(filters)),
                channel.voidPromise()));
        shares.withCounts(counts -> channel.writeAndFlush(new Frame.SharesFull(counts), channel.voidPromise()));
        int pending = peer.outbox.size();
        LOG.info("cluster: peer {} joined{} via {}; {} message(s) waiting for it", peerId,
                restarted ? " (restarted)" : "", channel.remoteAddress(), pending);
        scheduleDrain(peer);
        syncRetained(channel, peerId);
    }

    private void syncRetained(Channel channel, String peerId) {
        LocalBroker d = delivery;
        if (d == null) {
            return;
        }
        AtomicInteger sent = new AtomicInteger();
        d.forEachRetained(m -> {
            if (channel.isActive()) {
                channel.write(new Frame.Retained(m), channel.voidPromise());
                sent.incrementAndGet();
            }
        }).whenComplete((v, e) -> {
            channel.flush();
            if (e != null) {
                LOG.warn("cluster: retained sync to {} incomplete: {}", peerId, e.toString());
            } else {
                LOG.info("cluster: sent {} retained message(s) to {}", sent.get(), peerId);
            }
        });
    }

    @Override
    public void onFrame(Channel channel, String peerId, Frame frame) {
        Peer peer = peers.get(peerId);
        if (peer == null || peer.channel != channel) {
            return; // a link that was replaced
        }
        if (frame instanceof Frame.Publish p) {
            receive(channel, peer, p);
        } else if (frame instanceof Frame.Ack a) {
            peer.outbox.ack(a.seq());
        } else if (frame instanceof Frame.RoutesFull r) {
            routes.replace(peerId, r.filters());
            LOG.debug("cluster: {} advertises {} filter(s)", peerId, r.filters().size());
        } else if (frame instanceof Frame.RouteAdd r) {
            routes.add(peerId, r.filter());
        } else if (frame instanceof Frame.RouteRemove r) {
            routes.remove(peerId, r.filter());
        } else if (frame instanceof Frame.SharesFull f) {
            shares.replacePeer(peerId, f.counts());
        } else if (frame instanceof Frame.ShareCount c) {
            shares.peerCount(peerId, c.key(), c.count());
        } else if (frame instanceof Frame.Retained r) {
            LocalBroker d = delivery;
            if (d != null) {
                d.storeRetainedIfMissing(r.message()).whenComplete((stored, e) -> {
                    if (Boolean.TRUE.equals(stored)) {
                        peer.retainedSynced.increment();
                    } else if (e != null) {
                        LOG.warn("cluster: could not store retained {} from {}: {}", r.message().topic(), peerId,
                                e.toString());
                    }
                });
            }
        } else {
            LOG.warn("cluster: unexpected {} from {}; closing the link", frame.getClass().getSimpleName(), peerId);
            channel.close();
        }
    }

    private void receive(Channel channel, Peer peer, Frame.Publish p) {
        Message m = p.message();
        if (!peer.dedupe.firstTime(p.seq())) {
            peer.dedupeHits.increment();
            if (m.qos() > 0) {
                AckBatch.of(channel).ack(p.seq());
            }
            return;
        }
        LocalBroker d = delivery;
        if (d == null) {
            return;
        }
        peer.forwardedIn.increment();
        CompletableFuture<Void> done = p.plain() ? d.deliver(m) : CompletableFuture.completedFuture(null);
        if (!p.shareKeys().isEmpty()) {
            List<CompletableFuture<Void>> all = new ArrayList<>(p.shareKeys().size() + 1);
            all.add(done);
            for (String key : p.shareKeys()) {
                all.add(deliverShare(m, key));
            }
            done = CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
        }
        // acknowledged once handed to HiveMQ, from this event loop: acking when HiveMQ's future completes would
        // cost a hand-off from its executor back to the link per message
        if (m.qos() > 0) {
            AckBatch.of(channel).ack(p.seq());
        }
        done.whenComplete((v, e) -> {
            if (e != null) {
                LOG.warn("cluster: could not deliver {} from {}: {}", m.topic(), peer.id, e.toString());
            }
        });
    }

    @Override
    public void onWritable(String peerId) {
        Peer peer = peers.get(peerId);
        if (peer != null) {
            scheduleDrain(peer);
        }
    }

    @Override
    public void onClosed(Channel channel, String peerId, HostPort dialed, String reason) {
        boolean wasRejected = rejected.remove(channel);
        if (peerId == null) {
            if (dialed != null && !wasRejected && !closing) {
                membership.failed(dialed, reason);
            }
            return;
        }
        Peer peer = peers.get(peerId);
        if (peer != null && peer.channel == channel) {
            detach(peer, channel, reason);
        }
        if (dialed != null) {
            membership.closed(dialed);
        }
    }

    private void detach(Peer peer, Channel channel, String reason) {
        if (peer.channel != channel) {
            return;
        }
        peer.channel = null;
        int[] moved = peer.outbox.linkDown();
        peer.resent.increment(moved[0]);
        peer.droppedLinkDown.increment(moved[1]);
        if (!closing) {
            peer.linkFailures.increment();
            LOG.warn("cluster: peer {} left: {}; {} unacknowledged message(s) kept for re-send, {} QoS 0 dropped",
                    peer.id, reason, moved[0], moved[1]);
        }
    }

    // ---- backpressure

    /**
     * The links as backpressure sees them: a peer is full while its link is not writable (it reads slower than we
     * write) or half its --cluster-buffer is taken (sent and not acknowledged yet, or waiting to be sent).
     */
    public Backpressure.Links backpressureLinks() {
        return new Backpressure.Links() {
            @Override
            public Collection<Channel> channels() {
                List<Channel> up = new ArrayList<>(peers.size());
                for (Peer p : peers.values()) {
                    Channel ch = p.channel;
                    if (ch != null) {
                        up.add(ch);
                    }
                }
                return up;
            }

            @Override
            public boolean blocked() {
                for (Peer p : peers.values()) {
                    Channel ch = p.channel;
                    if (ch != null && ch.isActive()
                            && (!ch.isWritable() || p.outbox.size() >= Math.max(1, config.bufferSize() / 2))) {
                        return true;
                    }
                }
                return false;
            }
        };
    }

    // ---- state

    private boolean isUp(String peerId) {
        Peer peer = peers.get(peerId);
        return peer != null && peer.up();
    }

    private int peersUp() {
        int n = 0;
        for (Peer p : peers.values()) {
            if (p.up()) {
                n++;
            }
        }
        return n;
    }

    RouteTable routes() {
        return routes;
    }

    SharedGroups shares() {
        return shares;
    }

    /** Closes every peer link as if the network dropped it (tests). */
    void dropLinks() {
        peers.values().forEach(p -> {
            Channel ch = p.channel;
            if (ch != null) {
                ch.close();
            }
        });
    }

    /** Peer id → "up" or "down", for logs and status. */
    public Map<String, String> peerStates() {
        Map<String, String> out = new TreeMap<>();
        peers.forEach((id, p) -> out.put(id, p.up() ? "up" : "down"));
        return out;
    }

    @Override
    public void close() {
        closing = true;
        membership.close();
        reconciler.shutdownNow();
        transport.close();
    }
}

package io.colmeia.broker.cluster;

import io.colmeia.broker.cluster.forward.Dedupe;
import io.colmeia.broker.cluster.forward.Outbox;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import java.util.concurrent.atomic.AtomicBoolean;

/** Everything this replica keeps about one peer replica, by node id; survives the peer's link going down. */
final class Peer {

    final String id;
    final Outbox outbox;
    final Dedupe dedupe = new Dedupe();
    final AtomicBoolean drainScheduled = new AtomicBoolean();
    volatile Channel channel;
    volatile long incarnation;
    volatile String address = "";

    final Counter[] forwards = new Counter[3];
    final Counter retainedForwards;
    final Counter forwardedIn;
    final Counter dedupeHits;
    final Counter droppedFull;
    final Counter droppedLinkDown;
    final Counter linkFailures;
    final Counter resent;
    final Counter retainedSynced;
    final Counter shareForwards;

    Peer(String id, int bufferSize, MeterRegistry registry, ClusterNode node) {
        this.id = id;
        this.outbox = new Outbox(bufferSize);
        for (int qos = 0; qos < 3; qos++) {
            forwards[qos] = Counter.builder("colmeia_broker_cluster_forwards_total")
                    .description("Client PUBLISHes forwarded to a peer because it has a matching subscription")
                    .tag("peer", id).tag("qos", Integer.toString(qos)).register(registry);
        }
        retainedForwards = counter(registry, "colmeia_broker_cluster_retained_forwards_total",
                "Retained PUBLISHes (set or clear) sent to a peer to store, whether or not it has subscribers");
        forwardedIn = counter(registry, "colmeia_broker_cluster_forwarded_in_total",
                "PUBLISHes received from a peer and delivered to local subscribers");
        dedupeHits = counter(registry, "colmeia_broker_cluster_dedupe_hits_total",
                "PUBLISHes from a peer dropped because they were already delivered (re-sent after a reconnect)");
        droppedFull = Counter.builder("colmeia_broker_cluster_dropped_total")
                .description("Messages for a peer dropped instead of forwarded, by reason")
                .tag("peer", id).tag("reason", "buffer_full").register(registry);
        droppedLinkDown = Counter.builder("colmeia_broker_cluster_dropped_total")
                .description("Messages for a peer dropped instead of forwarded, by reason")
                .tag("peer", id).tag("reason", "link_down_qos0").register(registry);
        linkFailures = counter(registry, "colmeia_broker_cluster_link_drops_total",
                "Times an established link to a peer was lost");
        resent = counter(registry, "colmeia_broker_cluster_resent_total",
                "Unacknowledged QoS 1/2 messages queued again for re-send after a link was lost");
        retainedSynced = counter(registry, "colmeia_broker_cluster_retained_synced_total",
                "Retained messages received in a peer's full sync and stored here because they were missing");
        shareForwards = counter(registry, "colmeia_broker_cluster_share_forwards_total",
                "$share group deliveries handed to a peer because this replica picked it for the group");
        Gauge.builder("colmeia_broker_cluster_peer_share_members", node, n -> n.shares().peerMemberCount(id))
                .description("Shared-subscription members this peer advertises (per group)").tag("peer", id)
                .register(registry);
        Gauge.builder("colmeia_broker_cluster_peer_up", this, p -> p.channel != null ? 1 : 0)
                .description("1 while the link to this peer is up").tag("peer", id).register(registry);
        Gauge.builder("colmeia_broker_cluster_peer_routes", node, n -> n.routes().size(id))
                .description("Topic filters this peer advertises").tag("peer", id).register(registry);
        Gauge.builder("colmeia_broker_cluster_buffered", outbox, Outbox::size)
                .description("Messages held for this peer: unsent, or sent and not yet acknowledged")
                .tag("peer", id).register(registry);
    }

    private Counter counter(MeterRegistry registry, String name, String description) {
        return Counter.builder(name).description(description).tag("peer", id).register(registry);
    }

    boolean up() {
        return channel != null;
    }
}

package io.colmeia.broker.cluster.share;

import io.colmeia.broker.cluster.route.TopicFilters;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Shared-subscription groups cluster-wide: the members on this replica (client ids, from HiveMQ's subscription
 * store plus fresh SUBSCRIBEs), and how many members each peer advertises per group. For a PUBLISH it picks, per
 * matching group, the one node that delivers it ({@link #pick}): weighted round robin over the member counts of
 * this replica and of the peers whose link is up, so that over a run every member gets an equal share. On the
 * chosen node {@link #localCandidates} gives the members in round-robin order.
 *
 * <p>Changes of this replica's member count per group reach peers through the {@link Listener}, called under
 * this object's lock so that a full sync ({@link #withCounts}) and the deltas keep one order. Reads on the publish
 * path use an immutable snapshot and take no lock.
 */
public final class SharedGroups {

    /** Receives changes of this replica's member count per group key ({@code 0} = no member any more). */
    @FunctionalInterface
    public interface Listener {
        void countChanged(String key, int count);
    }

    /** One delivery decision: group {@code key} is served by {@code peer}, or by this replica when null. */
    public record Pick(String key, String peer) {
        public boolean local() {
            return peer == null;
        }
    }

    private record Group(String key, ShareTopics.Share share, String[] localMembers, String[] peers, int[] counts) {
    }

    private final long pinNanos;
    private final LongSupplier clock;
    private final Listener listener;
    /** key → client ids, as the subscription store said at the last reconcile. */
    private Map<String, Set<String>> stored = Map.of();
    /** key → client id → pinned until (fresh SUBSCRIBEs the store may not show yet). */
    private final Map<String, Map<String, Long>> pinned = new HashMap<>();
    /** peer → key → member count, as the peer advertised. */
    private final Map<String, Map<String, Integer>> peerCounts = new HashMap<>();
    private Map<String, Integer> localCounts = Map.of();
    private volatile Map<String, Group> groups = Map.of();
    private volatile Set<String> memberClients = Set.of();
    private final Map<String, AtomicLong> nodeCursors = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> memberCursors = new ConcurrentHashMap<>();

    public SharedGroups(long pinNanos, LongSupplier clock, Listener listener) {
        this.pinNanos = pinNanos;
        this.clock = clock;
        this.listener = listener;
    }

    // ---- this replica's members

    /** A local client subscribed to a group (seen by the SUBSCRIBE interceptor). */
    public synchronized void subscribed(String clientId, String key) {
        pinned.computeIfAbsent(key, k -> new HashMap<>()).put(clientId, clock.getAsLong() + pinNanos);
        rebuild();
    }

    /** A local client unsubscribed from a group. */
    public synchronized void unsubscribed(String clientId, String key) {
        Map<String, Long> pins = pinned.get(key);
        if (pins != null) {
            pins.remove(clientId);
        }
        Set<String> members = stored.get(key);
        if (members != null && members.contains(clientId)) {
            Map<String, Set<String>> copy = new HashMap<>(stored);
            Set<String> less = new HashSet<>(members);
            less.remove(clientId);
            copy.put(key, less);
            stored = copy;
        }
        rebuild();
    }

    /** The subscription store's view: key → member client ids. Expired pins go. */
    public synchronized void reconcile(Map<String, Set<String>> storeMembers) {
        long now = clock.getAsLong();
        pinned.values().forEach(pins -> pins.values().removeIf(until -> until - now <= 0));
        pinned.values().removeIf(Map::isEmpty);
        stored = Map.copyOf(storeMembers);
        rebuild();
    }

    // ---- peers' members

    /** Replaces everything known about {@code peer}'s groups (full sync). */
    public synchronized void replacePeer(String peer, Map<String, Integer> counts) {
        Map<String, Integer> clean = new HashMap<>();
        counts.forEach((k, c) -> {
            if (c > 0 && ShareTopics.parseKey(k) != null) {
                clean.put(k, c);
            }
        });
        peerCounts.put(peer, clean);
        rebuild();
    }

    public synchronized void peerCount(String peer, String key, int count) {
        if (ShareTopics.parseKey(key) == null) {
            return;
        }
        Map<String, Integer> counts = peerCounts.computeIfAbsent(peer, p -> new HashMap<>());
        if (count > 0) {
            counts.put(key, count);
        } else {
            counts.remove(key);
        }
        rebuild();
    }

    /** Runs {@code action} with this replica's counts under the lock (a full sync written to a new link). */
    public synchronized void withCounts(java.util.function.Consumer<Map<String, Integer>> action) {
        action.accept(Map.copyOf(localCounts));
    }

    private void rebuild() {
        Map<String, Set<String>> members = new HashMap<>();
        stored.forEach((key, ids) -> members.computeIfAbsent(key, k -> new LinkedHashSet<>()).addAll(ids));
        pinned.forEach((key, pins) -> members.computeIfAbsent(key, k -> new LinkedHashSet<>()).addAll(pins.keySet()));
        members.values().removeIf(Set::isEmpty);

        Map<String, Integer> counts = new HashMap<>();
        members.forEach((k, ids) -> counts.put(k, ids.size()));
        Set<String> changed = new HashSet<>(counts.keySet());
        changed.addAll(localCounts.keySet());
        Map<String, Integer> before = localCounts;
        localCounts = Map.copyOf(counts);
        for (String key : new TreeSet<>(changed)) {
            int now = counts.getOrDefault(key, 0);
            if (now != before.getOrDefault(key, 0)) {
                listener.countChanged(key, now);
            }
        }

        Set<String> keys = new HashSet<>(members.keySet());
        peerCounts.values().forEach(m -> keys.addAll(m.keySet()));
        Map<String, Group> next = new HashMap<>();
        Set<String> clients = new HashSet<>();
        for (String key : keys) {
            ShareTopics.Share share = ShareTopics.parseKey(key);
            if (share == null) {
                continue;
            }
            Set<String> local = members.getOrDefault(key, Set.of());
            clients.addAll(local);
            TreeMap<String, Integer> remote = new TreeMap<>();
            peerCounts.forEach((peer, m) -> {
                Integer c = m.get(key);
                if (c != null && c > 0) {
                    remote.put(peer, c);
                }
            });
            String[] peers = remote.keySet().toArray(String[]::new);
            int[] peerWeights = remote.values().stream().mapToInt(Integer::intValue).toArray();
            next.put(key, new Group(key, share, local.toArray(String[]::new), peers, peerWeights));
        }
        groups = Map.copyOf(next);
        memberClients = Set.copyOf(clients);
        nodeCursors.keySet().retainAll(next.keySet()); // groups come and go: no cursor outlives its group
        memberCursors.keySet().retainAll(next.keySet());
    }

    // ---- the publish path (no lock)

    public boolean isEmpty() {
        return groups.isEmpty();
    }

    /** True when {@code clientId} is a member of some group on this replica (it needs the topic rewriter). */
    public boolean isLocalMember(String clientId) {
        return memberClients.contains(clientId);
    }

    /**
     * For a PUBLISH on {@code topic}: per group whose filter matches, the node that delivers it. Candidates are
     * this replica (if it has members) and the peers for which {@code up} holds, weighted by member count. When
     * only peers whose link is down have members, one of those is picked (its QoS 1/2 messages wait in its
     * buffer; QoS 0 is dropped and counted there).
     */
    public List<Pick> pick(String topic, Predicate<String> up) {
        Map<String, Group> current = groups;
        if (current.isEmpty()) {
            return List.of();
        }
        List<Pick> out = new ArrayList<>(2);
        for (Group g : current.values()) {
            if (!TopicFilters.matches(g.share.filter(), topic)) {
                continue;
            }
            Pick p = choose(g, up);
            if (p == null) {
                p = choose(g, peer -> true);
            }
            if (p != null) {
                out.add(p);
            }
        }
        return out;
    }

    private Pick choose(Group g, Predicate<String> up) {
        long total = g.localMembers.length;
        for (int i = 0; i < g.peers.length; i++) {
            if (up.test(g.peers[i])) {
                total += g.counts[i];
            }
        }
        if (total == 0) {
            return null;
        }
        long slot = Math.floorMod(nodeCursors.computeIfAbsent(g.key, k -> new AtomicLong()).getAndIncrement(),
                total);
        if (slot < g.localMembers.length) {
            return new Pick(g.key, null);
        }
        slot -= g.localMembers.length;
        for (int i = 0; i < g.peers.length; i++) {
            if (!up.test(g.peers[i])) {
                continue;
            }
            if (slot < g.counts[i]) {
                return new Pick(g.key, g.peers[i]);
            }
            slot -= g.counts[i];
        }
        return null; // a peer went down between the two loops: the caller tries again without that filter
    }

    /** This replica's members of group {@code key}, starting with the next one in round-robin order. */
    public List<String> localCandidates(String key) {
        Group g = groups.get(key);
        if (g == null || g.localMembers.length == 0) {
            return List.of();
        }
        int n = g.localMembers.length;
        int start = (int) Math.floorMod(memberCursors.computeIfAbsent(key, k -> new AtomicLong()).getAndIncrement(),
                (long) n);
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(g.localMembers[(start + i) % n]);
        }
        return out;
    }

    /** Members on this replica, counted per group (a client in two groups counts twice). */
    public synchronized int localMemberCount() {
        return localCounts.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Members {@code peer} advertises, over all its groups. */
    public synchronized int peerMemberCount(String peer) {
        return peerCounts.getOrDefault(peer, Map.of()).values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Group key → member client ids, from a list of (client id, stored filter) pairs: the parked ones. */
    public static Map<String, Set<String>> membersOf(Collection<Map.Entry<String, String>> subscriptions) {
        Map<String, Set<String>> out = new HashMap<>();
        for (Map.Entry<String, String> s : subscriptions) {
            ShareTopics.Share share = ShareTopics.parseParked(s.getValue());
            if (share != null) {
                out.computeIfAbsent(share.key(), k -> new HashSet<>()).add(s.getKey());
            }
        }
        return out;
    }
}

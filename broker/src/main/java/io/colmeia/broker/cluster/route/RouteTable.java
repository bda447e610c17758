package io.colmeia.broker.cluster.route;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What every peer subscribes to: peer node id → the routing filters its local clients hold, as the peer
 * advertised them (a full set when the link comes up, then add/remove deltas). Thread-safe.
 */
public final class RouteTable {

    private final Map<String, Set<String>> byPeer = new ConcurrentHashMap<>();

    /** Replaces everything known about {@code peer} (full sync). */
    public void replace(String peer, Collection<String> filters) {
        Set<String> set = ConcurrentHashMap.newKeySet();
        set.addAll(filters);
        byPeer.put(peer, set);
    }

    public void add(String peer, String filter) {
        byPeer.computeIfAbsent(peer, p -> ConcurrentHashMap.newKeySet()).add(filter);
    }

    public void remove(String peer, String filter) {
        Set<String> set = byPeer.get(peer);
        if (set != null) {
            set.remove(filter);
        }
    }

    /** True when {@code peer} has at least one filter matching {@code topic}. */
    public boolean matches(String peer, String topic) {
        Set<String> set = byPeer.get(peer);
        if (set == null) {
            return false;
        }
        if (set.contains(topic) && topic.indexOf('+') < 0 && topic.indexOf('#') < 0) {
            return true; // exact filter: the common case, no scan
        }
        for (String filter : set) {
            if (TopicFilters.matches(filter, topic)) {
                return true;
            }
        }
        return false;
    }

    /** The peers (among {@code candidates}) with a filter matching {@code topic}. */
    public List<String> peersMatching(String topic, Collection<String> candidates) {
        List<String> out = new ArrayList<>(candidates.size());
        for (String peer : candidates) {
            if (matches(peer, topic)) {
                out.add(peer);
            }
        }
        return out;
    }

    public int size(String peer) {
        Set<String> set = byPeer.get(peer);
        return set == null ? 0 : set.size();
    }

    public int size() {
        int n = 0;
        for (Set<String> set : byPeer.values()) {
            n += set.size();
        }
        return n;
    }

    public Set<String> filters(String peer) {
        Set<String> set = byPeer.get(peer);
        return set == null ? Set.of() : Set.copyOf(set);
    }
}

package io.colmeia.ingress.balance;

import io.colmeia.common.config.HostPort;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The replicas this ingress routes to. Membership changes (the static list plus what DNS returns) replace the
 * set atomically; a replica that stays keeps its health and counters. Readers get an immutable snapshot.
 */
public final class ReplicaSet {

    private volatile List<Replica> replicas = List.of();
    private final Consumer<Replica> onAdded;
    private final Consumer<Replica> onRemoved;

    public ReplicaSet(Consumer<Replica> onAdded, Consumer<Replica> onRemoved) {
        this.onAdded = onAdded;
        this.onRemoved = onRemoved;
    }

    public List<Replica> all() {
        return replicas;
    }

    public List<Replica> healthy() {
        List<Replica> snapshot = replicas;
        List<Replica> healthy = new ArrayList<>(snapshot.size());
        for (Replica r : snapshot) {
            if (r.healthy()) {
                healthy.add(r);
            }
        }
        return healthy;
    }

    public boolean anyHealthy() {
        for (Replica r : replicas) {
            if (r.healthy()) {
                return true;
            }
        }
        return false;
    }

    /** Makes the set exactly {@code addresses}; returns the replicas that were added. */
    public synchronized List<Replica> update(Collection<HostPort> addresses) {
        Map<String, Replica> current = new LinkedHashMap<>();
        for (Replica r : replicas) {
            current.put(r.id(), r);
        }
        List<Replica> next = new ArrayList<>();
        List<Replica> added = new ArrayList<>();
        for (HostPort address : addresses) {
            Replica existing = current.remove(address.toString());
            if (existing != null) {
                next.add(existing);
            } else if (next.stream().noneMatch(r -> r.id().equals(address.toString()))) {
                Replica replica = new Replica(address);
                next.add(replica);
                added.add(replica);
            }
        }
        replicas = List.copyOf(next);
        added.forEach(onAdded);
        current.values().forEach(onRemoved);
        return added;
    }
}

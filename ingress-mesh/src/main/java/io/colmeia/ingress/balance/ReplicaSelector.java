package io.colmeia.ingress.balance;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

/**
 * Orders the healthy replicas for one client: the first is where it goes; the rest are where it goes if
 * connecting to the first fails (in the same order every ingress node would use).
 *
 * <ul>
 *   <li>With a client id: by rendezvous score of the client id, highest first. Same client, same replica,
 *       through any ingress node, as long as that replica is healthy.</li>
 *   <li>Empty client id (the broker assigns one; MQTT allows it only for a clean session, so there is no
 *       session to find again): the least-loaded replica first (fewest connections relayed by this node),
 *       ties broken by rendezvous score of the client's IP address, so a burst of such clients from one
 *       device spreads by load while the choice stays deterministic.</li>
 *   <li>Slow start ({@link SlowStart}): a replica that became healthy less than the window ago keeps its place
 *       only for the share of clients its ramp admits (by a fixed hash of the client id; by chance for empty
 *       ids); for the others it moves to the end of the order.</li>
 * </ul>
 */
public final class ReplicaSelector {

    private final ReplicaSet replicas;
    private final SlowStart slowStart;
    private final LongSupplier clock;

    public ReplicaSelector(ReplicaSet replicas) {
        this(replicas, SlowStart.NONE, System::nanoTime);
    }

    public ReplicaSelector(ReplicaSet replicas, SlowStart slowStart, LongSupplier clock) {
        this.replicas = replicas;
        this.slowStart = slowStart;
        this.clock = clock;
    }

    public List<Replica> candidates(String clientId, String clientAddress) {
        return order(replicas.healthy(), clientId, clientAddress, slowStart, clock.getAsLong());
    }

    /**
     * The share of new clients a replica takes now compared with a fully ramped one: 0 when down, its ramp
     * weight while slow start holds it back, else 1. For the {@code replica_weight} metric.
     */
    public double weight(Replica replica) {
        if (!replica.healthy()) {
            return 0;
        }
        long now = clock.getAsLong();
        return slowStart.active(replicas.healthy(), now) ? slowStart.weight(replica, now) : 1;
    }

    /** Pure ordering without slow start, exposed for tests. */
    public static List<Replica> order(List<Replica> healthy, String clientId, String clientAddress) {
        return order(healthy, clientId, clientAddress, SlowStart.NONE, 0);
    }

    /** Pure ordering at time {@code now} (System.nanoTime() scale), exposed for tests. */
    public static List<Replica> order(List<Replica> healthy, String clientId, String clientAddress,
                                      SlowStart slowStart, long now) {
        List<Replica> ordered = new ArrayList<>(healthy);
        if (!clientId.isEmpty()) {
            ordered.sort(Comparator.comparingLong((Replica r) -> RendezvousHash.score(clientId, r.id())).reversed()
                    .thenComparing(Replica::id));
        } else {
            String key = clientAddress == null ? "" : clientAddress;
            ordered.sort(Comparator.comparingInt(Replica::activeConnections)
                    .thenComparing(Comparator.comparingLong((Replica r) -> RendezvousHash.score(key, r.id()))
                            .reversed())
                    .thenComparing(Replica::id));
        }
        if (!slowStart.active(ordered, now)) {
            return ordered;
        }
        List<Replica> admitted = new ArrayList<>(ordered.size());
        List<Replica> heldBack = new ArrayList<>(1);
        for (Replica r : ordered) {
            double weight = slowStart.weight(r, now);
            boolean admits = clientId.isEmpty()
                    ? weight >= 1 || ThreadLocalRandom.current().nextDouble() < weight
                    : SlowStart.admits(clientId, r, weight);
            (admits ? admitted : heldBack).add(r);
        }
        admitted.addAll(heldBack);
        return admitted;
    }
}

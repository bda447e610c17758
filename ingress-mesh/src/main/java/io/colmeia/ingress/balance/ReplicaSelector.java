package io.colmeia.ingress.balance;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

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
 * </ul>
 */
public final class ReplicaSelector {

    private final ReplicaSet replicas;

    public ReplicaSelector(ReplicaSet replicas) {
        this.replicas = replicas;
    }

    public List<Replica> candidates(String clientId, String clientAddress) {
        List<Replica> healthy = replicas.healthy();
        return order(healthy, clientId, clientAddress);
    }

    /** Pure ordering, exposed for tests. */
    public static List<Replica> order(List<Replica> healthy, String clientId, String clientAddress) {
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
        return ordered;
    }
}

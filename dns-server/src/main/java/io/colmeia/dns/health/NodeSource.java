package io.colmeia.dns.health;

import io.colmeia.dns.zone.Endpoint;
import java.util.List;

/** Where the ingress nodes come from: a fixed list, or a name resolved again and again. */
public interface NodeSource {

    /** The nodes now; throws when they cannot be learned this time (the caller keeps the last list). */
    List<Endpoint> nodes() throws Exception;

    /** Whether the list can change (then it is re-read every discovery interval). */
    boolean dynamic();

    String describe();

    static NodeSource fixed(List<Endpoint> nodes) {
        List<Endpoint> copy = List.copyOf(nodes);
        return new NodeSource() {
            @Override
            public List<Endpoint> nodes() {
                return copy;
            }

            @Override
            public boolean dynamic() {
                return false;
            }

            @Override
            public String describe() {
                return copy.toString();
            }
        };
    }

    /** Both sources together (e.g. a fixed list plus a discovered name). */
    static NodeSource union(NodeSource a, NodeSource b) {
        return new NodeSource() {
            @Override
            public List<Endpoint> nodes() throws Exception {
                java.util.LinkedHashSet<Endpoint> all = new java.util.LinkedHashSet<>(a.nodes());
                all.addAll(b.nodes());
                return List.copyOf(all);
            }

            @Override
            public boolean dynamic() {
                return a.dynamic() || b.dynamic();
            }

            @Override
            public String describe() {
                return a.describe() + " + " + b.describe();
            }
        };
    }
}

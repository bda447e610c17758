package io.colmeia.launcher.local;

/**
 * The loopback addresses of the local cluster: one per process, so DNS A records point at distinct endpoints.
 * docs/local-cluster.md documents this table; change both together.
 */
public final class LocalAddresses {

    private LocalAddresses() {
    }

    /** Broker replica i (1-based): 127.0.1.i. */
    public static String broker(int i) {
        return "127.0.1." + i;
    }

    /** Ingress node i (1-based): 127.0.2.i. */
    public static String ingress(int i) {
        return "127.0.2." + i;
    }

    /** The DNS server: 127.0.3.1. */
    public static String dns() {
        return "127.0.3.1";
    }

    /** The embedded store: 127.0.4.1. */
    public static String store() {
        return "127.0.4.1";
    }
}

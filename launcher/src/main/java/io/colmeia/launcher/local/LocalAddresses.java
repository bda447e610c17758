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
}

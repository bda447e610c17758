package io.colmeia.broker.security;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Whether a listener admits clients without credentials: by default only a loopback listener does (nobody off
 * this machine can reach it); any other address needs {@code --allow-anonymous always}, said explicitly.
 */
public final class ListenerPolicy {

    /** {@code --allow-anonymous} values. */
    public enum Anonymous { loopback, always, never }

    private final Anonymous anonymous;

    public ListenerPolicy(Anonymous anonymous) {
        this.anonymous = anonymous;
    }

    public boolean anonymousAllowed(String bindAddress) {
        return switch (anonymous) {
            case always -> true;
            case never -> false;
            case loopback -> isLoopback(bindAddress);
        };
    }

    /**
     * True for 127.0.0.0/8, ::1 and names that resolve only to those. A wildcard (0.0.0.0, ::) listens on every
     * interface and is not loopback; an address we cannot resolve is treated as reachable from the network.
     */
    public static boolean isLoopback(String bindAddress) {
        if (bindAddress == null || bindAddress.isBlank()) {
            return false;
        }
        try {
            InetAddress[] all = InetAddress.getAllByName(bindAddress);
            for (InetAddress a : all) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return all.length > 0;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}

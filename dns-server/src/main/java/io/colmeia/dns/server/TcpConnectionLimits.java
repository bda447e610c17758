package io.colmeia.dns.server;

import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts open TCP connections in total and per client address, and refuses those over the limits. */
final class TcpConnectionLimits {

    private final int maxTotal;
    private final int maxPerClient;
    private final AtomicInteger total = new AtomicInteger();
    private final Map<InetAddress, AtomicInteger> perClient = new ConcurrentHashMap<>();

    TcpConnectionLimits(int maxTotal, int maxPerClient) {
        this.maxTotal = maxTotal;
        this.maxPerClient = maxPerClient;
    }

    /** Takes a slot; returns null on success, else the reason ("total_limit", "client_limit"). */
    String acquire(InetAddress client) {
        if (total.incrementAndGet() > maxTotal) {
            total.decrementAndGet();
            return "total_limit";
        }
        boolean[] refused = {false};
        perClient.compute(client, (address, count) -> {
            AtomicInteger c = count == null ? new AtomicInteger() : count;
            if (c.get() >= maxPerClient) {
                refused[0] = true;
            } else {
                c.incrementAndGet();
            }
            return c;
        });
        if (refused[0]) {
            total.decrementAndGet();
            return "client_limit";
        }
        return null;
    }

    void release(InetAddress client) {
        total.decrementAndGet();
        perClient.computeIfPresent(client, (address, count) -> count.decrementAndGet() <= 0 ? null : count);
    }

    int open() {
        return total.get();
    }
}

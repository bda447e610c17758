package io.colmeia.dns.ratelimit;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Response rate limiting in the manner of BIND's RRL, for UDP only (TCP proves the source address):
 * identical responses (same name and type, or NXDOMAIN for the zone, or errors) to one client network
 * (IPv4 /24, IPv6 /56 by default) are allowed {@code responsesPerSecond}; beyond that, every
 * {@code slip}-th response is "slipped" (a tiny reply with TC set, so a real client retries over TCP and a
 * spoofed victim gets no amplification) and the rest are dropped. Credit is averaged over {@code window}:
 * a client far over its rate stays limited until its rate has been low for that long.
 *
 * <p>Memory is bounded: at most {@code maxEntries} buckets; when full, idle buckets are swept and keys
 * that still find no room are answered with a slip (no amplification, and real clients still get through
 * over TCP).
 */
public final class ResponseRateLimiter {

    public enum Decision { SEND, SLIP, DROP }

    /**
     * @param responsesPerSecond identical responses per second per client network; 0 disables limiting
     * @param slip               every n-th limited response is slipped instead of dropped; 0 never slips
     * @param windowSeconds      seconds over which the rate is averaged (1..3600)
     * @param ipv4PrefixLength   client network size for IPv4 (8..32)
     * @param ipv6PrefixLength   client network size for IPv6 (16..128)
     * @param maxEntries         buckets kept at most
     */
    public record Settings(int responsesPerSecond, int slip, int windowSeconds, int ipv4PrefixLength,
                           int ipv6PrefixLength, int maxEntries) {
        public Settings {
            if (responsesPerSecond < 0 || responsesPerSecond > 1_000_000) {
                throw new IllegalArgumentException("responses per second " + responsesPerSecond
                        + " is outside 0..1000000");
            }
            if (slip < 0 || slip > 10) {
                throw new IllegalArgumentException("slip " + slip + " is outside 0..10");
            }
            if (windowSeconds < 1 || windowSeconds > 3600) {
                throw new IllegalArgumentException("window of " + windowSeconds + " s is outside 1..3600 s");
            }
            if (ipv4PrefixLength < 8 || ipv4PrefixLength > 32 || ipv6PrefixLength < 16 || ipv6PrefixLength > 128) {
                throw new IllegalArgumentException("prefix lengths must be 8..32 (IPv4) and 16..128 (IPv6)");
            }
            if (maxEntries < 1) {
                throw new IllegalArgumentException("max entries must be positive");
            }
        }

        public static Settings of(int responsesPerSecond, int slip, int windowSeconds) {
            return new Settings(responsesPerSecond, slip, windowSeconds, 24, 56, 100_000);
        }
    }

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final Settings settings;
    private final Map<Key, Bucket> buckets = new ConcurrentHashMap<>();
    private volatile long lastSweepNanos = Long.MIN_VALUE;

    public ResponseRateLimiter(Settings settings) {
        this.settings = settings;
    }

    public Settings settings() {
        return settings;
    }

    public boolean enabled() {
        return settings.responsesPerSecond() > 0;
    }

    /** Decides for one UDP response to {@code client}; {@code nowNanos} is {@link System#nanoTime()}. */
    public Decision check(InetAddress client, String responseKey, long nowNanos) {
        if (!enabled()) {
            return Decision.SEND;
        }
        Key key = new Key(network(client), responseKey);
        Bucket bucket = buckets.get(key);
        if (bucket == null) {
            if (buckets.size() >= settings.maxEntries()) {
                sweep(nowNanos);
                if (buckets.size() >= settings.maxEntries()) {
                    return settings.slip() > 0 ? Decision.SLIP : Decision.DROP;
                }
            }
            bucket = buckets.computeIfAbsent(key, k -> new Bucket(settings.responsesPerSecond(), nowNanos));
        }
        return bucket.take(settings, nowNanos);
    }

    /** Buckets currently tracked (for tests and a gauge). */
    public int size() {
        return buckets.size();
    }

    private void sweep(long nowNanos) {
        if (lastSweepNanos != Long.MIN_VALUE && nowNanos - lastSweepNanos < NANOS_PER_SECOND) {
            return;
        }
        lastSweepNanos = nowNanos;
        long idle = settings.windowSeconds() * NANOS_PER_SECOND;
        for (Iterator<Bucket> it = buckets.values().iterator(); it.hasNext(); ) {
            if (it.next().idleSince(nowNanos) > idle) {
                it.remove();
            }
        }
    }

    private byte[] network(InetAddress client) {
        byte[] bytes = client.getAddress();
        int prefix = client instanceof Inet4Address ? settings.ipv4PrefixLength() : settings.ipv6PrefixLength();
        for (int bit = prefix; bit < bytes.length * 8; bit++) {
            bytes[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return bytes;
    }

    private record Key(byte[] network, String response) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(network, k.network) && response.equals(k.response);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(network) + response.hashCode();
        }
    }

    private static final class Bucket {
        private double balance;
        private long last;
        private long limited;

        Bucket(double initial, long now) {
            this.balance = initial;
            this.last = now;
        }

        synchronized Decision take(Settings s, long now) {
            double rate = s.responsesPerSecond();
            double elapsed = Math.max(0, now - last) / (double) NANOS_PER_SECOND;
            last = Math.max(last, now);
            balance = Math.min(rate, balance + elapsed * rate) - 1;
            if (balance >= 0) {
                limited = 0;
                return Decision.SEND;
            }
            balance = Math.max(balance, -rate * s.windowSeconds());
            limited++;
            return s.slip() > 0 && limited % s.slip() == 0 ? Decision.SLIP : Decision.DROP;
        }

        synchronized long idleSince(long now) {
            return now - last;
        }
    }
}

package io.colmeia.ingress.balance;

import java.nio.charset.StandardCharsets;

/**
 * Rendezvous (highest-random-weight) hashing: each (key, replica) pair gets a pseudo-random score and the key
 * goes to the replica with the highest score. Every ingress node computes the same scores without talking to
 * the others, and removing a replica moves only the keys that scored highest on it.
 *
 * <p>The score is 64-bit FNV-1a over the replica id, a separator and the key, finished with the MurmurHash3
 * 64-bit mixer (FNV alone mixes its last bytes poorly). Fixed and platform independent: it must never change
 * between versions, or a rolling upgrade would move every client.
 */
public final class RendezvousHash {

    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private RendezvousHash() {
    }

    public static long score(String key, String replicaId) {
        long h = FNV_OFFSET;
        h = fnv(h, replicaId.getBytes(StandardCharsets.UTF_8));
        h = (h ^ 0xFF) * FNV_PRIME; // separator: ("ab","c") and ("a","bc") must differ
        h = fnv(h, key.getBytes(StandardCharsets.UTF_8));
        return mix(h);
    }

    private static long fnv(long h, byte[] bytes) {
        for (byte b : bytes) {
            h ^= b & 0xFF;
            h *= FNV_PRIME;
        }
        return h;
    }

    private static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}

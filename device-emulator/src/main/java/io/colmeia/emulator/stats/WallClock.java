package io.colmeia.emulator.stats;

import java.time.Instant;

/** Wall-clock time in epoch microseconds: what publishers embed and subscribers subtract (same host clock). */
public final class WallClock {

    private WallClock() {
    }

    public static long epochMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }
}

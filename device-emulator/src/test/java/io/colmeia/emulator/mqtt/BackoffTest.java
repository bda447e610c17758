package io.colmeia.emulator.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void doublesPerAttemptUpToTheMaximum() {
        Backoff highest = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), () -> 1.0);
        assertThat(highest.delayNanos(0)).isEqualTo(SECOND);
        assertThat(highest.delayNanos(1)).isEqualTo(2 * SECOND);
        assertThat(highest.delayNanos(3)).isEqualTo(8 * SECOND);
        assertThat(highest.delayNanos(5)).isEqualTo(30 * SECOND);
        assertThat(highest.delayNanos(1000)).isEqualTo(30 * SECOND);
    }

    @Test
    void jitterKeepsAtLeastHalfOfTheCeiling() {
        Backoff lowest = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), () -> 0.0);
        assertThat(lowest.delayNanos(0)).isEqualTo(SECOND / 2);
        assertThat(lowest.delayNanos(2)).isEqualTo(2 * SECOND);
        Backoff middle = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), () -> 0.5);
        assertThat(middle.delayNanos(0)).isEqualTo(SECOND * 3 / 4);
    }
}

package io.colmeia.ingress.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class RateLimitedLogTest {

    @Test
    void logs_once_per_key_per_window_and_lets_other_keys_through() {
        AtomicLong now = new AtomicLong();
        RateLimitedLog log = new RateLimitedLog(LoggerFactory.getLogger(RateLimitedLogTest.class),
                TimeUnit.SECONDS.toNanos(10), now::get);
        assertThat(log.warn("malformed", "first")).isTrue();
        for (int i = 0; i < 1000; i++) {
            assertThat(log.warn("malformed", "flood " + i)).isFalse();
        }
        assertThat(log.warn("oversized", "another reason")).isTrue();
        now.addAndGet(TimeUnit.SECONDS.toNanos(9));
        assertThat(log.warn("malformed", "still inside the window")).isFalse();
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        assertThat(log.warn("malformed", "next window")).isTrue();
    }
}

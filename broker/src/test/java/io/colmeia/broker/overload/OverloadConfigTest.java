package io.colmeia.broker.overload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.colmeia.common.config.InvalidConfigurationException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class OverloadConfigTest {

    private static OverloadConfig config(int queue, int heap, Duration stall, int inflight, int warmup) {
        return new OverloadConfig(true, queue, heap, stall, inflight, warmup);
    }

    @Test
    void theQueueMarksLieBeyondTheInflightWindow() {
        OverloadConfig config = config(1000, 70, Duration.ofSeconds(10), 500, 0);
        assertThat(config.queuePauseMark()).isEqualTo(1500);
        assertThat(config.queueResumeMark()).isEqualTo(1000);
        assertThat(config.heapPauseRatio()).isEqualTo(0.70);
        assertThat(config.heapResumeRatio()).isEqualTo(0.60, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void rejectsEachOutOfRangeValueNamingItsOption() {
        Duration stall = Duration.ofSeconds(10);
        assertThatThrownBy(() -> config(5, 70, stall, 1000, 0)).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageStartingWith("--backpressure-queue:");
        assertThatThrownBy(() -> config(1000, 99, stall, 1000, 0)).hasMessageStartingWith("--backpressure-heap:");
        assertThatThrownBy(() -> config(1000, 10, stall, 1000, 0)).hasMessageStartingWith("--backpressure-heap:");
        assertThatThrownBy(() -> config(1000, 70, Duration.ofMillis(10), 1000, 0))
                .hasMessageStartingWith("--stall-timeout:");
        assertThatThrownBy(() -> config(1000, 70, stall, 0, 0)).hasMessageStartingWith("--max-inflight:");
        assertThatThrownBy(() -> config(1000, 70, stall, 70_000, 0)).hasMessageStartingWith("--max-inflight:");
        assertThatThrownBy(() -> config(1000, 70, stall, 1000, -1)).hasMessageStartingWith("--warmup-messages:");
    }

    @Test
    void defaultsAreValidAndOn() {
        OverloadConfig defaults = OverloadConfig.defaults();
        assertThat(defaults.backpressure()).isTrue();
        assertThat(defaults.warmupMessages()).isPositive();
    }
}

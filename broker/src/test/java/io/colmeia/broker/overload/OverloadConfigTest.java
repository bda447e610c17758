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
        assertThatThrownBy(() -> new OverloadConfig(true, 1000, 70, stall, 1000, 0, Duration.ofSeconds(5)))
                .hasMessageStartingWith("--start-timeout:");
    }

    @Test
    void aReplicaRecoveringAfterACrashGetsMoreThanAMinuteToStart() {
        // the fault drill saw 83 s on a busy machine; a 60 s limit made such a replica restart forever
        assertThat(OverloadConfig.defaults().startTimeout()).isGreaterThan(Duration.ofSeconds(90));
        assertThat(OverloadConfig.defaults().withWarmupMessages(0).startTimeout())
                .isEqualTo(OverloadConfig.defaults().startTimeout());
    }

    @Test
    void networkThreadsDefaultToHalfTheCoresAndAreValidated() {
        Duration stall = Duration.ofSeconds(10);
        Duration start = Duration.ofMinutes(1);
        int half = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        assertThat(OverloadConfig.defaults().effectiveNetworkThreads()).isEqualTo(half);
        assertThat(new OverloadConfig(true, 1000, 70, stall, 1000, 0, start, 3).effectiveNetworkThreads())
                .isEqualTo(3);
        assertThat(OverloadConfig.defaults().withWarmupMessages(0).networkThreads())
                .isEqualTo(OverloadConfig.DEFAULT_NETWORK_THREADS);
        assertThatThrownBy(() -> new OverloadConfig(true, 1000, 70, stall, 1000, 0, start, -1))
                .hasMessageStartingWith("--network-threads:");
        assertThatThrownBy(() -> new OverloadConfig(true, 1000, 70, stall, 1000, 0, start, 1000))
                .hasMessageStartingWith("--network-threads:");
    }

    @Test
    void defaultsAreValidAndOn() {
        OverloadConfig defaults = OverloadConfig.defaults();
        assertThat(defaults.backpressure()).isTrue();
        assertThat(defaults.warmupMessages()).isPositive();
    }
}

package io.colmeia.launcher.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RestartPolicyTest {

    private final RestartPolicy onFailure = new RestartPolicy(RestartPolicy.Mode.ON_FAILURE, Duration.ofSeconds(1),
            Duration.ofSeconds(30), Duration.ofSeconds(10));

    @Test
    void delayDoublesWithEachFailureInARowUpToTheCap() {
        assertThat(onFailure.delayAfter(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(onFailure.delayAfter(2)).isEqualTo(Duration.ofSeconds(2));
        assertThat(onFailure.delayAfter(3)).isEqualTo(Duration.ofSeconds(4));
        assertThat(onFailure.delayAfter(5)).isEqualTo(Duration.ofSeconds(16));
        assertThat(onFailure.delayAfter(6)).isEqualTo(Duration.ofSeconds(30));
        assertThat(onFailure.delayAfter(1000)).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void onlyFailuresAreRestartedAndOnlyUnderOnFailure() {
        assertThat(onFailure.restarts(137)).isTrue();
        assertThat(onFailure.restarts(1)).isTrue();
        assertThat(onFailure.restarts(0)).as("a deliberate exit").isFalse();
        RestartPolicy no = new RestartPolicy(RestartPolicy.Mode.NO, Duration.ZERO, Duration.ZERO, Duration.ZERO);
        assertThat(no.restarts(137)).isFalse();
    }

    @Test
    void aProcessThatRanForTheWindowHadRecovered() {
        assertThat(onFailure.ranLongEnough(Duration.ofSeconds(10))).isTrue();
        assertThat(onFailure.ranLongEnough(Duration.ofSeconds(9))).isFalse();
    }
}

package io.colmeia.broker.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.colmeia.common.config.InvalidConfigurationException;
import io.colmeia.persistence.PersistenceConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class TelemetryConfigTest {

    private static final PersistenceConfig SINK = PersistenceConfig.defaults("mongodb://127.0.0.1:1/?replicaSet=rs0",
            Path.of("spool"));

    private static TelemetryConfig filters(String... filters) {
        return new TelemetryConfig(true, List.of(filters), TelemetryConfig.AckMode.persisted,
                TelemetryConfig.DEFAULT_ACK_TIMEOUT, SINK);
    }

    private static TelemetryTap tap(String... filters) {
        return new TelemetryTap(null, filters(filters), // matching never touches the sink
                "b1", new SimpleMeterRegistry());
    }

    @Test
    void theDefaultFilterTapsEveryTopicButDollarTopics() {
        TelemetryTap tap = tap("#");
        assertThat(tap.tapped("colmeia/esp-1/leituras")).isTrue();
        assertThat(tap.tapped("a")).isTrue();
        assertThat(tap.tapped("$SYS/broker/uptime")).isFalse();
    }

    @Test
    void anyOfSeveralFiltersTapsATopic() {
        TelemetryTap tap = tap("sensors/+/temp", "farm/#");
        assertThat(tap.tapped("sensors/esp-1/temp")).isTrue();
        assertThat(tap.tapped("farm")).isTrue();
        assertThat(tap.tapped("farm/a/b")).isTrue();
        assertThat(tap.tapped("sensors/esp-1/humidity")).isFalse();
        assertThat(tap.tapped("commands/esp-1")).isFalse();
    }

    @Test
    void rejectsFiltersThatAreNotMqttTopicFilters() {
        for (String bad : List.of("", "a/#/b", "a/b#", "a+/b", "$share/g/a")) {
            assertThatThrownBy(() -> filters(bad)).as(bad).isInstanceOf(InvalidConfigurationException.class)
                    .hasMessageStartingWith("--telemetry-filter:");
        }
        assertThatThrownBy(() -> new TelemetryConfig(true, List.of(), TelemetryConfig.AckMode.persisted,
                TelemetryConfig.DEFAULT_ACK_TIMEOUT, SINK)).hasMessageStartingWith("--telemetry-filter:");
    }

    @Test
    void rejectsAnAckTimeoutOutsideItsRange() {
        assertThatThrownBy(() -> new TelemetryConfig(true, List.of("#"), TelemetryConfig.AckMode.received,
                Duration.ofMillis(10), SINK)).hasMessageStartingWith("--telemetry-ack-timeout:");
    }

    @Test
    void offNeedsNoSinkConfiguration() {
        assertThat(TelemetryConfig.off().enabled()).isFalse();
        assertThat(TelemetryConfig.off().persistence()).isNull();
    }
}

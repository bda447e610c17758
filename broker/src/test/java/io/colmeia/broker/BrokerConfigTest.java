package io.colmeia.broker;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.colmeia.common.config.HostPort;
import io.colmeia.common.config.InvalidConfigurationException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class BrokerConfigTest {

    private static final HostPort MQTT = new HostPort("127.0.0.1", 1883);
    private static final HostPort HTTP = new HostPort("127.0.0.1", 9100);

    private static BrokerConfig config(String nodeId, long queue, int packet, HostPort http) {
        return new BrokerConfig(nodeId, MQTT, http, Path.of("x"), BrokerConfig.PersistenceMode.memory, queue,
                packet, -1, Duration.ofSeconds(10), Duration.ofSeconds(5));
    }

    @Test
    void rejectsANodeIdThatCannotBeAMetricLabelOrFileName() {
        assertThatThrownBy(() -> config("../etc", 10, 1024, HTTP))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageStartingWith("--node-id:");
    }

    @Test
    void rejectsAnEmptyQueue() {
        assertThatThrownBy(() -> config("b1", 0, 1024, HTTP)).hasMessageStartingWith("--max-queue-size:");
    }

    @Test
    void rejectsAPacketLimitHiveMqCannotUse() {
        assertThatThrownBy(() -> config("b1", 10, 10, HTTP)).hasMessageStartingWith("--max-packet-size:");
    }

    @Test
    void rejectsTheSameAddressForMqttAndHttp() {
        assertThatThrownBy(() -> config("b1", 10, 1024, MQTT)).hasMessageStartingWith("--http:");
    }
}

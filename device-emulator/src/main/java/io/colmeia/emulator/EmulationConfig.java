package io.colmeia.emulator;

import io.colmeia.emulator.device.FleetSettings;
import io.colmeia.emulator.mqtt.ClientSettings;
import java.time.Duration;

/** Everything one {@code colmeia emulate} run does, validated by the command that builds it. */
public record EmulationConfig(
        String nodeId,
        FleetSettings fleet,
        ClientSettings client,
        int subscribers,
        String filter,
        int subscriberQos,
        int threads,
        Duration progressInterval,
        Duration duration) {
}

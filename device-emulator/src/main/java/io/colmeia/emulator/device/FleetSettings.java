package io.colmeia.emulator.device;

import java.time.Duration;

/**
 * What a fleet of devices does. {@code interval} zero means "as fast as allowed": for QoS 1/2 a new PUBLISH
 * whenever the in-flight window has room, for QoS 0 whenever TCP accepts more. {@code messagesPerDevice}
 * zero means unbounded. {@code rampRate} is new connections started per second.
 */
public record FleetSettings(
        int devices,
        int deviceOffset,
        String macPrefix,
        String topicTemplate,
        int qos,
        Duration interval,
        long messagesPerDevice,
        int rampRate,
        long seed) {

    public FleetSettings {
        if (devices < 0) {
            throw new IllegalArgumentException("devices must not be negative");
        }
        if (deviceOffset < 0 || (long) deviceOffset + devices > DeviceIdentity.MAX_NUMBER) {
            throw new IllegalArgumentException("device numbers must stay within 1.." + DeviceIdentity.MAX_NUMBER);
        }
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("qos must be 0, 1 or 2");
        }
        if (rampRate < 1) {
            throw new IllegalArgumentException("ramp rate must be positive");
        }
        if (interval.isNegative()) {
            throw new IllegalArgumentException("interval must not be negative");
        }
    }
}

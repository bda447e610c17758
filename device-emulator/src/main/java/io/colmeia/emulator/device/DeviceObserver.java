package io.colmeia.emulator.device;

import java.net.InetSocketAddress;

/**
 * What a fault drill needs to know from each device, as it happens (called on the device's event loop, so
 * implementations must be quick and thread-safe): which readings the broker acknowledged, and when the device
 * lost and regained its connection. The emulator itself does not need it.
 */
public interface DeviceObserver {

    /** Observes nothing. */
    DeviceObserver NONE = new DeviceObserver() {
    };

    /** The broker acknowledged telemetry reading {@code seq} (PUBACK for QoS 1, PUBCOMP for QoS 2). */
    default void acknowledged(DeviceIdentity device, long seq) {
    }

    /** CONNACK accepted, through {@code address}. */
    default void connected(DeviceIdentity device, InetSocketAddress address) {
    }

    /** An established connection was lost (not a clean stop). */
    default void connectionLost(DeviceIdentity device) {
    }
}

package io.colmeia.emulator.testing;

import io.colmeia.emulator.device.FleetSettings;
import io.colmeia.emulator.mqtt.ClientSettings;
import java.time.Duration;

/** Client and fleet settings for tests: fast reconnects, short timeouts. */
public final class Clients {

    private Clients() {
    }

    public static ClientSettings client(boolean cleanSession, int maxInFlight) {
        return new ClientSettings("template", cleanSession, Duration.ofSeconds(30), null, maxInFlight, true,
                Duration.ofSeconds(3), Duration.ofMillis(100), Duration.ofMillis(400), 1 << 20);
    }

    public static FleetSettings fleet(int devices, int qos, Duration interval, long count) {
        return new FleetSettings(devices, 0, "A0:20:A6", "no{n}/{room}/temperatura", qos, interval, count, 1000, 7);
    }
}

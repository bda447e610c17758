package io.colmeia.persistence;

import io.colmeia.common.config.HostPort;
import io.colmeia.common.testing.FreePorts;

/** Free addresses on our loopback range (127.0.4.x) for tests. */
public final class Loopback {

    public static final String HOST = "127.0.4.7";

    private Loopback() {
    }

    public static HostPort freeAddress() {
        return FreePorts.on(HOST);
    }
}

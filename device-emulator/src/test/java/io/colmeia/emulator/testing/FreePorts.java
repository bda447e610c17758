package io.colmeia.emulator.testing;

/** Free loopback TCP ports for the emulator's tests (the common helper, with the addresses they use). */
public final class FreePorts {

    private FreePorts() {
    }

    public static int tcp() {
        return io.colmeia.common.testing.FreePorts.on("127.0.0.1").port();
    }

    /** A port free on both 127.0.0.1 and 127.0.0.2 (two "nodes" listening on the same port). */
    public static int tcpOnBoth() {
        return io.colmeia.common.testing.FreePorts.onAll("127.0.0.1", "127.0.0.2");
    }
}

package io.colmeia.emulator.bench;

import java.time.Duration;

/**
 * One benchmark: the scenario's shape and the bounds of every run. {@code clients} is the number of
 * publishers (throughput) or devices (fan-in, connections); {@code interval} zero means closed loop.
 */
public record BenchSettings(
        Scenario scenario,
        int clients,
        Duration interval,
        int qos,
        int subscribers,
        String filter,
        int subscriberQos,
        int maxInFlight,
        boolean tcpNoDelay,
        int threads,
        int rampRate,
        Duration warmup,
        Duration duration,
        long maxMessages,
        Duration drain,
        int rounds) {
}

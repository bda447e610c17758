package io.colmeia.emulator.report;

import io.colmeia.emulator.stats.LatencyStats;

/**
 * The figures of one measured run against one target. Counts are telemetry messages. {@code sentPerSecond}
 * is over the publishing phase ({@code publishSeconds}); acknowledged and delivered rates are over the
 * measurement ({@code measureSeconds}: from the first publish until everything was acknowledged and
 * delivered, or the drain bound). Latencies in milliseconds; CPU in cores busy on average (1.0 = one core)
 * over the measurement.
 */
public record RunResult(
        String target,
        String address,
        int round,
        String scenario,
        int qos,
        int clients,
        int subscribers,
        int connected,
        double connectSeconds,
        double connectionsPerSecond,
        double publishSeconds,
        double measureSeconds,
        long sent,
        long acked,
        long expected,
        long received,
        long lost,
        long duplicates,
        long outOfOrder,
        long inFlightAtEnd,
        long skipped,
        long retransmitted,
        long reconnects,
        long errors,
        double sentPerSecond,
        double ackedPerSecond,
        double deliveredPerSecond,
        LatencyStats.Summary ackLatency,
        LatencyStats.Summary endToEndLatency,
        double emulatorCpuCores,
        double targetCpuCores,
        long targetRssBytes,
        long targetRssPerConnectionBytes,
        String problem) {
}

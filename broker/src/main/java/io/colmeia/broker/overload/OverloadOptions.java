package io.colmeia.broker.overload;

import io.colmeia.common.config.Converters;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The broker's overload options, to mix into {@code colmeia broker} with {@code @Mixin}; {@link #toConfig()}
 * validates them once. Every option is also an environment variable {@code COLMEIA_<NAME>}.
 */
public class OverloadOptions {

    /** {@code --backpressure} values. */
    public enum Switch { on, off }

    @Option(names = "--backpressure", defaultValue = "on", paramLabel = "on|off",
            description = "on: while received messages pile up on the network threads, a connected QoS 1/2"
                    + " subscriber is more than --backpressure-queue messages behind, or the live heap is over"
                    + " --backpressure-heap, stop reading the other clients' sockets (publishers are slowed by TCP"
                    + " instead of queued without bound); off: HiveMQ's own behaviour, queues up to --max-queue-size"
                    + " and a heap that can fill up (default: ${DEFAULT-VALUE}).")
    public Switch backpressure;

    @Option(names = "--backpressure-queue", defaultValue = "1000", paramLabel = "N",
            description = "Messages a connected QoS 1/2 subscriber may have queued beyond its --max-inflight window"
                    + " before publishers are paused; they resume once it is under half of it. Keep --max-queue-size"
                    + " well above --max-inflight plus this (default: ${DEFAULT-VALUE}).")
    public int queueHighWater;

    @Option(names = "--backpressure-heap", defaultValue = "70", paramLabel = "PERCENT",
            description = "Live heap after a garbage collection, in percent of the maximum heap (-Xmx), that pauses"
                    + " publishers; they resume 10 points below it (default: ${DEFAULT-VALUE}).")
    public int heapPercent;

    @Option(names = "--stall-timeout", defaultValue = "10s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "A subscriber whose queue stays over the --backpressure-queue mark this long counts as"
                    + " stalled and no longer slows publishers; its queue then fills up to --max-queue-size"
                    + " (default: ${DEFAULT-VALUE}).")
    public Duration stallTimeout;

    @Option(names = "--max-inflight", defaultValue = "1000", paramLabel = "N",
            description = "Unacknowledged QoS 1/2 messages sent to an MQTT 3 subscriber at once (MQTT 5 clients set"
                    + " their own Receive Maximum); HiveMQ's own 50 starves subscribers with delayed ACKs"
                    + " (default: ${DEFAULT-VALUE}).")
    public int inflightWindow;

    @Option(names = "--warmup-messages", defaultValue = "10000", paramLabel = "N",
            description = "Messages sent through the replica's own publish path at start, before /ready turns"
                    + " true, so the JIT has compiled it; 0 skips the warm-up (default: ${DEFAULT-VALUE}).")
    public int warmupMessages;

    @Option(names = "--start-timeout", defaultValue = "5m", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "How long HiveMQ may take to start before the replica gives up and exits; recovering a"
                    + " large file-persistence folder after a crash takes a while (default: ${DEFAULT-VALUE}).")
    public Duration startTimeout;

    @Option(names = "--network-threads", defaultValue = "0", paramLabel = "N",
            description = "HiveMQ's network threads (reading, decoding, routing and writing MQTT packets); 0 = half"
                    + " the cores, at least 1. Netty's own default, two per core, cost ~20%% more CPU per message on"
                    + " a 2-core machine (default: ${DEFAULT-VALUE}).")
    public int networkThreads;

    @Option(names = "--subscriber-quickack", defaultValue = "on", paramLabel = "on|off",
            description = "on: acknowledge the TCP segments of subscribers receiving QoS 1/2 messages at once (Linux"
                    + " TCP_QUICKACK, re-armed after every read), so a client that leaves Nagle's algorithm on (MQTT.js,"
                    + " Node-RED) is not held by our delayed ACKs and its PUBACKs arrive without ~40 ms waits; needs"
                    + " --backpressure on (default: ${DEFAULT-VALUE}).")
    public Switch subscriberQuickAck;

    public OverloadConfig toConfig() {
        return new OverloadConfig(backpressure == Switch.on, queueHighWater, heapPercent, stallTimeout,
                inflightWindow, warmupMessages, startTimeout, networkThreads, subscriberQuickAck == Switch.on);
    }
}

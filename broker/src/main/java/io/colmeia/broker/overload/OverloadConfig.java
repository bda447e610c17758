package io.colmeia.broker.overload;

import io.colmeia.common.config.InvalidConfigurationException;
import java.time.Duration;

/**
 * How a replica protects itself under load: backpressure on publishers (queue depth and heap thresholds, when a
 * subscriber counts as stalled), the in-flight window towards subscribers, and the warm-up before /ready.
 *
 * @param backpressure   pause publishers' socket reads while a subscriber's queue or the heap is over its mark
 * @param queueHighWater queued messages of a connected QoS 1/2 subscriber that pause publishers
 * @param heapPercent    live heap after a collection, in percent of the maximum heap, that pauses publishers
 * @param stallTimeout   a subscriber whose queue stays over the mark this long no longer pauses anybody
 * @param inflightWindow unacknowledged messages HiveMQ sends an MQTT 3 subscriber at once
 * @param warmupMessages messages sent through the replica's own publish path before it reports ready
 * @param startTimeout   how long HiveMQ may take to start (recovering file persistence after a crash on a busy
 *                       machine took 83 s in the fault drill; a fixed 60 s made such a replica loop on restarts)
 * @param networkThreads HiveMQ's network (Netty event loop) threads; 0 = half the cores, at least 1
 * @param subscriberQuickAck acknowledge the TCP segments of receiving QoS 1/2 subscribers at once (Linux
 *                       TCP_QUICKACK re-armed after every read), so Nagle-on clients are not held by delayed ACKs
 */
public record OverloadConfig(boolean backpressure, int queueHighWater, int heapPercent, Duration stallTimeout,
                             int inflightWindow, int warmupMessages, Duration startTimeout, int networkThreads,
                             boolean subscriberQuickAck) {

    public static final int DEFAULT_QUEUE_HIGH_WATER = 1000;
    public static final int DEFAULT_HEAP_PERCENT = 70;
    public static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_INFLIGHT_WINDOW = 1000;
    public static final int DEFAULT_WARMUP_MESSAGES = 10_000;
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofMinutes(5);
    /** 0: {@link #effectiveNetworkThreads()} picks half the cores. */
    public static final int DEFAULT_NETWORK_THREADS = 0;

    public OverloadConfig {
        if (queueHighWater < 10 || queueHighWater > 10_000_000) {
            throw new InvalidConfigurationException("--backpressure-queue",
                    "must be between 10 and 10000000 messages, got " + queueHighWater);
        }
        if (heapPercent < 20 || heapPercent > 95) {
            throw new InvalidConfigurationException("--backpressure-heap",
                    "must be between 20 and 95 (percent of the maximum heap), got " + heapPercent);
        }
        if (stallTimeout == null || stallTimeout.compareTo(Duration.ofMillis(100)) < 0
                || stallTimeout.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new InvalidConfigurationException("--stall-timeout", "must be between 100ms and 10m, got "
                    + stallTimeout);
        }
        if (inflightWindow < 1 || inflightWindow > 65_000) {
            throw new InvalidConfigurationException("--max-inflight",
                    "must be between 1 and 65000 messages (MQTT packet ids), got " + inflightWindow);
        }
        if (warmupMessages < 0 || warmupMessages > 10_000_000) {
            throw new InvalidConfigurationException("--warmup-messages",
                    "must be between 0 (no warm-up) and 10000000, got " + warmupMessages);
        }
        if (startTimeout == null || startTimeout.compareTo(Duration.ofSeconds(10)) < 0
                || startTimeout.compareTo(Duration.ofHours(1)) > 0) {
            throw new InvalidConfigurationException("--start-timeout", "must be between 10s and 1h, got "
                    + startTimeout);
        }
        if (networkThreads < 0 || networkThreads > 256) {
            throw new InvalidConfigurationException("--network-threads",
                    "must be between 0 (half the cores) and 256, got " + networkThreads);
        }
    }

    public OverloadConfig(boolean backpressure, int queueHighWater, int heapPercent, Duration stallTimeout,
                          int inflightWindow, int warmupMessages, Duration startTimeout, int networkThreads) {
        this(backpressure, queueHighWater, heapPercent, stallTimeout, inflightWindow, warmupMessages, startTimeout,
                networkThreads, true);
    }

    public OverloadConfig(boolean backpressure, int queueHighWater, int heapPercent, Duration stallTimeout,
                          int inflightWindow, int warmupMessages, Duration startTimeout) {
        this(backpressure, queueHighWater, heapPercent, stallTimeout, inflightWindow, warmupMessages, startTimeout,
                DEFAULT_NETWORK_THREADS);
    }

    public OverloadConfig(boolean backpressure, int queueHighWater, int heapPercent, Duration stallTimeout,
                          int inflightWindow, int warmupMessages) {
        this(backpressure, queueHighWater, heapPercent, stallTimeout, inflightWindow, warmupMessages,
                DEFAULT_START_TIMEOUT);
    }

    public static OverloadConfig defaults() {
        return new OverloadConfig(true, DEFAULT_QUEUE_HIGH_WATER, DEFAULT_HEAP_PERCENT, DEFAULT_STALL_TIMEOUT,
                DEFAULT_INFLIGHT_WINDOW, DEFAULT_WARMUP_MESSAGES);
    }

    /**
     * The queue depth that pauses publishers: HiveMQ counts a message as queued until it is acknowledged, so a
     * subscriber's in-flight window is part of its queue and does not mean it is behind.
     */
    public int queuePauseMark() {
        return inflightWindow + queueHighWater;
    }

    /** The queue depth below which a subscriber no longer pauses publishers (hysteresis). */
    public int queueResumeMark() {
        return inflightWindow + queueHighWater / 2;
    }

    /** The live heap share below which publishers resume (10 points under the pause mark). */
    public double heapResumeRatio() {
        return (heapPercent - 10) / 100.0;
    }

    public double heapPauseRatio() {
        return heapPercent / 100.0;
    }

    public OverloadConfig withWarmupMessages(int messages) {
        return new OverloadConfig(backpressure, queueHighWater, heapPercent, stallTimeout, inflightWindow, messages,
                startTimeout, networkThreads, subscriberQuickAck);
    }

    public OverloadConfig withSubscriberQuickAck(boolean on) {
        return new OverloadConfig(backpressure, queueHighWater, heapPercent, stallTimeout, inflightWindow,
                warmupMessages, startTimeout, networkThreads, on);
    }

    /**
     * The network threads HiveMQ gets. Netty's default is two per core: on a small machine shared with other
     * processes, a message from a publisher on one thread to a subscriber on another costs a task hand-off and a
     * selector wake-up each way; with one thread per two cores the replica spent ~20 % less CPU per delivered QoS 1
     * message (docs/performance.md).
     */
    public int effectiveNetworkThreads() {
        return networkThreads > 0 ? networkThreads : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }
}

package io.colmeia.broker.metrics;

import com.codahale.metrics.Counting;
import com.codahale.metrics.Metric;
import com.codahale.metrics.MetricRegistry;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HiveMQ drops messages silently (a full per-client queue, a QoS 0 memory limit, a packet too large ...).
 * This makes every drop visible: {@code colmeia_broker_messages_dropped_total{reason}} and a WARN line per
 * second in which drops happened, naming the reason and how many.
 */
public final class DroppedMessages implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DroppedMessages.class);
    static final String PREFIX = "com.hivemq.messages.dropped.";
    static final String SUFFIX = ".count";

    private final MetricRegistry hivemq;
    private final MeterRegistry registry;
    private final String hint;
    private final Map<String, Long> lastSeen = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "dropped-messages");
        t.setDaemon(true);
        return t;
    });

    public DroppedMessages(MetricRegistry hivemq, MeterRegistry registry, String hint) {
        this.hivemq = hivemq;
        this.registry = registry;
        this.hint = hint;
    }

    public void start() {
        timer.scheduleWithFixedDelay(this::check, 1, 1, TimeUnit.SECONDS);
    }

    /** Registers counters for reasons not seen before and logs the drops since the last check. */
    void check() {
        for (Map.Entry<String, Metric> entry : hivemq.getMetrics().entrySet()) {
            String name = entry.getKey();
            if (!name.startsWith(PREFIX) || !name.endsWith(SUFFIX)
                    || name.length() <= PREFIX.length() + SUFFIX.length()
                    || !(entry.getValue() instanceof Counting c)) {
                continue;
            }
            String reason = name.substring(PREFIX.length(), name.length() - SUFFIX.length());
            if (reason.isEmpty() || reason.contains(".")) {
                continue;
            }
            lastSeen.computeIfAbsent(reason, r -> {
                FunctionCounter.builder("colmeia_broker_messages_dropped_total", c, Counting::getCount)
                        .description("Messages HiveMQ dropped instead of delivering, by reason")
                        .tag("reason", r)
                        .register(registry);
                return 0L;
            });
            long now = c.getCount();
            long before = lastSeen.put(reason, now);
            if (now > before) {
                LOG.warn("dropped {} message(s): {}{}", now - before, reason,
                        reason.contains("queue") ? " (" + hint + ")" : "");
            }
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}

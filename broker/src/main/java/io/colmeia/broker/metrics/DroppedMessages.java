package io.colmeia.broker.metrics;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.colmeia.broker.overload.Warmup;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.LoggerFactory;

/**
 * HiveMQ CE drops messages quietly (a full per-client queue, a socket that is not writable, a packet too
 * large ...): it only counts a total and writes a DEBUG line to its "event.message-dropped" log. This listens
 * to that event log and makes every drop visible: {@code colmeia_broker_messages_dropped_total{reason}} and one
 * WARN line per second in which drops happened, with the counts by reason and an example client and topic.
 */
public final class DroppedMessages extends AppenderBase<ILoggingEvent> {

    static final String EVENT_LOGGER = "event.message-dropped";
    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(DroppedMessages.class);

    private final MeterRegistry registry;
    private final String queueHint;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> sinceLastReport = new ConcurrentHashMap<>();
    private final AtomicReference<String> example = new AtomicReference<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "dropped-messages");
        t.setDaemon(true);
        return t;
    });
    private Logger eventLogger;

    public DroppedMessages(MeterRegistry registry, String queueHint) {
        this.registry = registry;
        this.queueHint = queueHint;
        counter("queue_full"); // the common case is visible as 0 before it first happens
    }

    /** Attaches to HiveMQ's event log (needs logback, which the broker ships) and starts reporting. */
    public void install() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            LOG.warn("logback is not the logging backend; dropped messages are only counted by HiveMQ");
            return;
        }
        setContext(context);
        setName("colmeia-dropped-messages");
        start();
        eventLogger = context.getLogger(EVENT_LOGGER);
        eventLogger.setLevel(Level.DEBUG);
        eventLogger.setAdditive(false);
        eventLogger.addAppender(this);
        timer.scheduleWithFixedDelay(this::report, 1, 1, TimeUnit.SECONDS);
    }

    @Override
    protected void append(ILoggingEvent event) {
        Object[] args = event.getArgumentArray();
        if (args == null || args.length == 0) {
            return;
        }
        if (Warmup.isWarmupClient(String.valueOf(args[0]))) {
            return; // the replica's own warm-up traffic (before /ready) is no user's message
        }
        String reason = reasonLabel(String.valueOf(args[args.length - 1]));
        counter(reason).increment();
        sinceLastReport.computeIfAbsent(reason, r -> new AtomicLong()).incrementAndGet();
        if (args.length >= 2) {
            example.set("e.g. to " + args[0] + " on " + args[1]);
        }
    }

    private Counter counter(String reason) {
        return counters.computeIfAbsent(reason, r -> Counter.builder("colmeia_broker_messages_dropped_total")
                .description("Messages the broker dropped instead of delivering, by reason")
                .tag("reason", r)
                .register(registry));
    }

    /** HiveMQ's reason sentences, as short stable label values. */
    static String reasonLabel(String reason) {
        String r = reason.toLowerCase(Locale.ROOT);
        if (r.contains("shared") && r.contains("queue is full")) {
            return "shared_queue_full";
        }
        if (r.contains("queue is full")) {
            return "queue_full";
        }
        if (r.contains("not writable")) {
            return "not_writable";
        }
        if (r.contains("extension")) {
            return "extension_prevented";
        }
        if (r.contains("memory")) {
            return "qos0_memory_exceeded";
        }
        if (r.contains("packet size") || r.contains("too large")) {
            return "packet_too_large";
        }
        if (r.contains("internal error")) {
            return "internal_error";
        }
        return "other";
    }

    void report() {
        Map<String, Long> counts = new TreeMap<>();
        sinceLastReport.forEach((reason, count) -> {
            long n = count.getAndSet(0);
            if (n > 0) {
                counts.put(reason, n);
            }
        });
        if (counts.isEmpty()) {
            return;
        }
        long total = counts.values().stream().mapToLong(Long::longValue).sum();
        LOG.warn("dropped {} message(s) in the last second: {} ({}){}", total, counts, example.get(),
                counts.containsKey("queue_full") ? "; " + queueHint : "");
    }

    @Override
    public void stop() {
        timer.shutdownNow();
        if (eventLogger != null) {
            eventLogger.detachAppender(this);
        }
        super.stop();
    }
}

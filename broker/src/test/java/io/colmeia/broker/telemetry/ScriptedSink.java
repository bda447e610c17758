package io.colmeia.broker.telemetry;

import io.colmeia.persistence.Durability;
import io.colmeia.persistence.PersistenceUnavailableException;
import io.colmeia.persistence.TelemetryMessage;
import io.colmeia.persistence.TelemetrySink;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A sink whose answers the payload scripts, to drive the tap's PUBACK paths: {@code fail-late…} fails after
 * 300 ms, {@code hang…} never answers, {@code slow-N…} is durable after N ms, anything else after a random 0-60 ms
 * (so answers come out of order). It records, per client, how many of its messages were in the sink at once.
 */
final class ScriptedSink implements TelemetrySink {

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "scripted-sink");
        t.setDaemon(true);
        return t;
    });
    final List<TelemetryMessage> submitted = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> inSink = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> mostInSink = new ConcurrentHashMap<>();

    @Override
    public CompletableFuture<Durability> submit(TelemetryMessage message) {
        submitted.add(message);
        String payload = new String(message.payload(), StandardCharsets.UTF_8);
        CompletableFuture<Durability> future = new CompletableFuture<>();
        if (payload.startsWith("hang")) {
            return future;
        }
        int now = inSink.computeIfAbsent(message.clientId(), c -> new AtomicInteger()).incrementAndGet();
        mostInSink.computeIfAbsent(message.clientId(), c -> new AtomicInteger()).accumulateAndGet(now, Math::max);
        long delayMs;
        boolean fail = payload.startsWith("fail-late");
        if (fail) {
            delayMs = 300;
        } else if (payload.startsWith("slow-")) {
            delayMs = Long.parseLong(payload.substring(5, payload.indexOf(' ') < 0 ? payload.length()
                    : payload.indexOf(' ')));
        } else {
            delayMs = ThreadLocalRandom.current().nextLong(61);
        }
        timer.schedule(() -> {
            inSink.get(message.clientId()).decrementAndGet();
            if (fail) {
                future.completeExceptionally(new PersistenceUnavailableException("scripted refusal"));
            } else {
                future.complete(Durability.STORED);
            }
        }, delayMs, TimeUnit.MILLISECONDS);
        return future;
    }

    /** The most messages of {@code clientId} that were in the sink at the same time. */
    int mostInSinkAtOnce(String clientId) {
        AtomicInteger most = mostInSink.get(clientId);
        return most == null ? 0 : most.get();
    }

    long submittedBy(String clientId) {
        return submitted.stream().filter(m -> m.clientId().equals(clientId)).count();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}

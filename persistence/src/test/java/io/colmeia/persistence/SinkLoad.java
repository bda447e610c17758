package io.colmeia.persistence;

import io.colmeia.common.metrics.Metrics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;

/**
 * A measuring tool, not a test: drives a {@link MongoTelemetrySink} the way the broker's tap does (each client
 * has at most one message waiting for the sink, as HiveMQ runs a client's interceptor for one PUBLISH at a
 * time), against a running store, and prints acknowledged msg/s and submit-to-durable latency.
 *
 * <p>Usage: {@code java -cp <test classpath> io.colmeia.persistence.SinkLoad URI CLIENTS SECONDS [RATE [WRITERS]]};
 * RATE 0 (default) = closed loop, as fast as acknowledged; RATE > 0 = that many msg/s in total, paced.
 */
public final class SinkLoad {

    public static void main(String[] args) throws Exception {
        String uri = args[0];
        int clients = Integer.parseInt(args[1]);
        int seconds = Integer.parseInt(args[2]);
        int rate = args.length > 3 ? Integer.parseInt(args[3]) : 0;
        int writers = args.length > 4 ? Integer.parseInt(args[4]) : PersistenceConfig.DEFAULT_WRITE_CONCURRENCY;
        Path spool = Files.createTempDirectory("sinkload");
        Recorder latency = new Recorder(3);
        AtomicLong acked = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService callbacks = Executors.newFixedThreadPool(2);
        AtomicLong sequence = new AtomicLong();
        try (MongoTelemetrySink sink = MongoTelemetrySink.start(PersistenceConfig.defaults(uri, spool)
                        .withWriteConcurrency(writers),
                Metrics.create("broker", "load"))) {
            sink.submit(message(0, sequence.incrementAndGet())).get(30, TimeUnit.SECONDS);
            long startNanos = System.nanoTime();
            if (rate == 0) {
                for (int c = 0; c < clients; c++) {
                    send(sink, c, sequence, latency, acked, failed, stop, callbacks);
                }
            } else {
                ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
                long periodNanos = 1_000_000_000L * clients / rate;
                for (int c = 0; c < clients; c++) {
                    int client = c;
                    pacer.scheduleAtFixedRate(() -> {
                        if (!stop.get()) {
                            long t0 = System.nanoTime();
                            sink.submit(message(client, sequence.incrementAndGet())).whenComplete((d, e) -> {
                                if (e == null) {
                                    latency.recordValue((System.nanoTime() - t0) / 1000);
                                    acked.incrementAndGet();
                                } else {
                                    failed.incrementAndGet();
                                }
                            });
                        }
                    }, periodNanos * c / clients, periodNanos, TimeUnit.NANOSECONDS);
                }
                Runtime.getRuntime().addShutdownHook(new Thread(pacer::shutdownNow));
            }
            Thread.sleep(2000); // warm-up, not counted
            latency.getIntervalHistogram();
            long a0 = acked.get();
            long cpu0 = cpu();
            long t0 = System.nanoTime();
            for (int s = 0; s < seconds; s++) {
                Thread.sleep(1000);
            }
            double elapsed = (System.nanoTime() - t0) / 1e9;
            long a1 = acked.get();
            double cores = (cpu() - cpu0) / 1e9 / elapsed;
            var h = latency.getIntervalHistogram();
            System.out.printf("writers %d clients %d rate %d: acked %.0f msg/s, latency p50 %.1f ms p99 %.1f ms max %.1f ms,"
                            + " failed %d, sink JVM %.2f cores, %.0f us cpu/msg (since start %.1f s)%n",
                    writers, clients, rate, (a1 - a0) / elapsed, h.getValueAtPercentile(50) / 1000.0,
                    h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0, failed.get(), cores,
                    cores * 1e6 / Math.max(1, (a1 - a0) / elapsed), (System.nanoTime() - startNanos) / 1e9);
            stop.set(true);
            Thread.sleep(500);
        }
        callbacks.shutdownNow();
        System.exit(0);
    }

    private static void send(MongoTelemetrySink sink, int client, AtomicLong sequence, Recorder latency,
                             AtomicLong acked, AtomicLong failed, AtomicBoolean stop, ExecutorService callbacks) {
        if (stop.get()) {
            return;
        }
        long t0 = System.nanoTime();
        CompletableFuture<Durability> f = sink.submit(message(client, sequence.incrementAndGet()));
        f.whenCompleteAsync((d, e) -> {
            if (e == null) {
                latency.recordValue((System.nanoTime() - t0) / 1000);
                acked.incrementAndGet();
            } else {
                failed.incrementAndGet();
            }
            send(sink, client, sequence, latency, acked, failed, stop, callbacks);
        }, callbacks);
    }

    private static long cpu() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static TelemetryMessage message(int client, long seq) {
        String mac = String.format("A0:20:A6:%02X:%02X:%02X", (client >> 16) & 0xff, (client >> 8) & 0xff,
                client & 0xff);
        String payload = "{\"Mac\":\"" + mac + "\",\"Data\":\"" + (1_700_000_000L + seq / 1000)
                + "\",\"Temperatura\":24.00,\"Umidade\":32.00,\"Luminosidade\":" + seq + "}";
        return new TelemetryMessage("sensors/" + client, payload.getBytes(StandardCharsets.UTF_8), 1,
                "esp-" + client, "load", Instant.now());
    }
}

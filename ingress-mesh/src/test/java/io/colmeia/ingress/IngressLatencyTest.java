package io.colmeia.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.colmeia.common.config.HostPort;
import io.colmeia.ingress.proxy.Transport;
import io.colmeia.ingress.support.Mosquitto;
import io.colmeia.ingress.support.RawMqtt;
import io.colmeia.ingress.support.TestIngress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Measures what the ingress adds, direct to the broker vs through the ingress: round-trip latency (QoS 0,
 * 64-byte payload, one client subscribed to its own topic, interleaved in blocks so that machine noise hits
 * both alike) and pipelined throughput. Prints the figures; asserts only what a shared, noisy machine cannot
 * break: a generous latency bound and that every pipelined message arrives.
 */
class IngressLatencyTest {

    private static final int BLOCKS = 10;
    private static final int PER_BLOCK = 200;
    private static final int MESSAGES = 20_000;

    private static Mosquitto broker;
    private static IngressNode ingress;

    @BeforeAll
    static void start() {
        Mosquitto.assumeInstalled();
        broker = Mosquitto.start("127.0.77.91");
        try {
            ingress = TestIngress.on("127.0.77.92", List.of(broker.address())).start();
            await().atMost(Duration.ofSeconds(20)).until(ingress::ready);
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
    }

    @AfterAll
    static void stop() {
        if (ingress != null) {
            ingress.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void the_ingress_adds_little_to_a_round_trip() throws Exception {
        try (RawMqtt direct = RawMqtt.connect(broker.address(), "latency-direct");
             RawMqtt proxied = RawMqtt.connect(ingress.server().address(), "latency-proxied")) {
            direct.subscribe("lat/direct");
            proxied.subscribe("lat/proxied");
            measure(direct, "lat/direct", new long[PER_BLOCK], 0);
            measure(proxied, "lat/proxied", new long[PER_BLOCK], 0);
            long[] directNanos = new long[BLOCKS * PER_BLOCK];
            long[] proxiedNanos = new long[BLOCKS * PER_BLOCK];
            for (int b = 0; b < BLOCKS; b++) {
                measure(direct, "lat/direct", directNanos, b * PER_BLOCK);
                measure(proxied, "lat/proxied", proxiedNanos, b * PER_BLOCK);
            }
            Arrays.sort(directNanos);
            Arrays.sort(proxiedNanos);
            double d50 = micros(directNanos, 0.50);
            double p50 = micros(proxiedNanos, 0.50);
            double d99 = micros(directNanos, 0.99);
            double p99 = micros(proxiedNanos, 0.99);
            System.out.printf("latency over %d round trips each (%s transport): direct p50 %.0f us p99 %.0f us;"
                            + " via ingress p50 %.0f us p99 %.0f us; added p50 %.0f us p99 %.0f us%n",
                    directNanos.length, Transport.best().name(), d50, d99, p50, p99, p50 - d50, p99 - d99);
            assertThat(p50 - d50).as("added p50 latency (us)").isLessThan(5_000);
        }
    }

    @Test
    void pipelined_messages_all_arrive_through_the_ingress() throws Exception {
        double direct = throughput(broker.address(), "tp-direct");
        double proxied = throughput(ingress.server().address(), "tp-proxied");
        System.out.printf("throughput (QoS 0, 64 B, %d pipelined to own subscription): direct %.0f msg/s,"
                + " via ingress %.0f msg/s (%.2fx)%n", MESSAGES, direct, proxied, proxied / direct);
    }

    /** Messages per second that one client publishes to its own subscription and receives back, all of them. */
    private static double throughput(HostPort target, String clientId) throws Exception {
        try (RawMqtt client = RawMqtt.connect(target, clientId)) {
            String topic = "tp/" + clientId;
            client.subscribe(topic);
            byte[] payload = "y".repeat(64).getBytes(StandardCharsets.US_ASCII);
            CompletableFuture<Integer> received = CompletableFuture.supplyAsync(() -> {
                int n = 0;
                try {
                    while (n < MESSAGES) {
                        client.nextPublish();
                        n++;
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return n;
            });
            Thread.sleep(50); // the reader skips the SUBACK; let the subscription settle
            long start = System.nanoTime();
            for (int i = 0; i < MESSAGES; i++) {
                client.publish(topic, payload, false);
            }
            client.flush();
            assertThat(received.get(60, TimeUnit.SECONDS)).isEqualTo(MESSAGES);
            return MESSAGES / ((System.nanoTime() - start) / 1e9);
        }
    }

    private static void measure(RawMqtt client, String topic, long[] into, int from) throws Exception {
        byte[] payload = "x".repeat(64).getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < PER_BLOCK && from + i < into.length; i++) {
            long start = System.nanoTime();
            client.publish(topic, payload);
            client.nextPublish();
            into[from + i] = System.nanoTime() - start;
        }
    }

    private static double micros(long[] sorted, double quantile) {
        return sorted[(int) Math.min(sorted.length - 1, Math.round(quantile * (sorted.length - 1)))] / 1000.0;
    }
}

package io.colmeia.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.colmeia.ingress.support.Mosquitto;
import io.colmeia.ingress.support.RawMqtt;
import io.colmeia.ingress.support.TestIngress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Measures what the ingress adds to a publish→receive round trip (QoS 0, 64-byte payload, one client that
 * subscribes to its own topic), direct to the broker vs through the ingress, interleaved in blocks so that
 * machine noise hits both alike. Prints the figures; asserts only a generous sanity bound (shared machine).
 */
class IngressLatencyTest {

    private static final int BLOCKS = 10;
    private static final int PER_BLOCK = 200;

    @Test
    void the_ingress_adds_little_to_a_round_trip() throws Exception {
        Mosquitto.assumeInstalled();
        try (Mosquitto broker = Mosquitto.start("127.0.77.91")) {
            IngressNode ingress = TestIngress.on("127.0.77.92", List.of(broker.address())).start();
            try {
                await().atMost(Duration.ofSeconds(20)).until(ingress::ready);
                try (RawMqtt direct = RawMqtt.connect(broker.address(), "latency-direct");
                     RawMqtt proxied = RawMqtt.connect(ingress.server().address(), "latency-proxied")) {
                    direct.subscribe("lat/direct");
                    proxied.subscribe("lat/proxied");
                    warmUp(direct, "lat/direct");
                    warmUp(proxied, "lat/proxied");
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
                            directNanos.length, io.colmeia.ingress.proxy.Transport.best().name(), d50, d99, p50,
                            p99, p50 - d50, p99 - d99);
                    assertThat(p50 - d50).as("added p50 latency (us)").isLessThan(5_000);
                }
            } finally {
                ingress.close();
            }
        }
    }

    private static void warmUp(RawMqtt client, String topic) throws Exception {
        measure(client, topic, new long[500], 0);
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

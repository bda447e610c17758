package io.colmeia.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backpressure across replicas: a QoS 1 subscriber on replica B slower than a publisher on replica A. B stops
 * reading its link when the subscriber's queue passes the mark, A's link fills, and A pauses its publisher, so
 * nothing is dropped on B although its queue is far smaller than what A's publisher would send meanwhile.
 */
class ClusterBackpressureTest {

    private static final Duration READY = Duration.ofSeconds(90);
    private static final int MAX_MESSAGES = 12_000;
    private static final long PUBLISH_NANOS = TimeUnit.SECONDS.toNanos(4);
    private static final int MAX_QUEUE = 4_000;

    @Test
    void aSlowSubscriberOnOneReplicaSlowsThePublisherOnAnotherAndNothingIsDropped(@TempDir Path dir)
            throws Exception {
        ReplicaProcess a = new ReplicaProcess("broker-1", "127.0.1.51", dir.resolve("a"));
        ReplicaProcess b = new ReplicaProcess("broker-2", "127.0.1.52", dir.resolve("b"));
        List<String> common = List.of("--warmup-messages", "0", "--stall-timeout", "60s");
        MqttClient subscriber = null;
        MqttAsyncClient publisher = null;
        try {
            a.start(List.of(a.cluster, b.cluster), concat(common, List.of("--cluster-buffer", "1000")));
            b.start(List.of(a.cluster, b.cluster), concat(common, List.of("--max-queue-size",
                    Integer.toString(MAX_QUEUE), "--max-inflight", "100", "--backpressure-queue", "200")));
            a.awaitReady(READY);
            b.awaitReady(READY);
            await().atMost(Duration.ofSeconds(30)).until(() -> a.metric("colmeia_broker_cluster_peers",
                    Map.of("state", "up")) == 1 && b.metric("colmeia_broker_cluster_peers", Map.of("state", "up")) == 1);

            AtomicInteger received = new AtomicInteger();
            subscriber = new MqttClient("tcp://" + b.mqtt, "slow-sub", new MemoryPersistence());
            subscriber.connect(options());
            subscriber.subscribe("bp/#", 1, (topic, message) -> {
                received.incrementAndGet();
                Thread.sleep(5); // ~200 msg/s at most: far slower than the publisher
            });
            await().atMost(Duration.ofSeconds(30)).until(() -> a.metric("colmeia_broker_cluster_peer_routes",
                    Map.of("peer", "broker-2")) >= 1);

            publisher = new MqttAsyncClient("tcp://" + a.mqtt, "fast-pub", new MemoryPersistence());
            publisher.connect(options()).waitForCompletion(10_000);
            Semaphore window = new Semaphore(500);
            AtomicInteger acked = new AtomicInteger();
            IMqttActionListener release = new IMqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    acked.incrementAndGet();
                    window.release();
                }

                @Override
                public void onFailure(IMqttToken token, Throwable e) {
                    window.release();
                }
            };
            byte[] payload = "x".repeat(100).getBytes(StandardCharsets.UTF_8);
            long end = System.nanoTime() + PUBLISH_NANOS;
            int sent = 0;
            while (sent < MAX_MESSAGES && System.nanoTime() < end) {
                if (window.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                    publisher.publish("bp/data", payload, 1, false, null, release);
                    sent++;
                }
            }
            int published = sent;
            await().atMost(Duration.ofSeconds(30)).until(() -> acked.get() == published);

            // everything published reaches the subscriber, unless B drops (then waiting longer is pointless)
            // a busy machine slows the subscriber: wait while it makes progress (stuck: 20 s without any), at most 2 min
            long drainEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            long lastProgress = System.nanoTime();
            int seen = received.get();
            while (received.get() < published && queueFull(b) == 0 && System.nanoTime() < drainEnd
                    && System.nanoTime() - lastProgress < TimeUnit.SECONDS.toNanos(20)) {
                Thread.sleep(200);
                if (received.get() != seen) {
                    seen = received.get();
                    lastProgress = System.nanoTime();
                }
            }
            System.out.printf("ClusterBackpressureTest: published %d, received %d, B queue_full %.0f, A link pauses"
                            + " %.0f, A paused %.1f s%n", published, received.get(), queueFull(b),
                    a.metric("colmeia_broker_backpressure_episodes_total", Map.of("cause", "link")),
                    a.metric("colmeia_broker_backpressure_paused_seconds_total", Map.of()));
            if (received.get() < published) {
                System.out.println("B log tail:\n" + b.logTail() + "\nA log tail:\n" + a.logTail());
            }
            assertThat(queueFull(b)).as("messages dropped on B because the subscriber's queue was full")
                    .isZero();
            assertThat(received.get()).as("messages the subscriber on B received").isEqualTo(published);
            assertThat(b.metric("colmeia_broker_backpressure_episodes_total", Map.of("cause", "queue")))
                    .as("B paused (its links among others)").isGreaterThan(0);
            assertThat(a.metric("colmeia_broker_backpressure_episodes_total", Map.of("cause", "link")))
                    .as("A paused its publisher because the link to B was full").isGreaterThan(0);
            assertThat(a.metric("colmeia_broker_backpressure_paused_seconds_total", Map.of()))
                    .as("time A's publishers were paused").isGreaterThan(0);
            assertThat(a.metric("colmeia_broker_cluster_dropped_total", Map.of("peer", "broker-2")))
                    .as("messages A dropped for B").isZero();
        } finally {
            if (publisher != null) {
                publisher.disconnectForcibly(1000);
                publisher.close(true);
            }
            if (subscriber != null) {
                subscriber.disconnectForcibly(1000);
                subscriber.close(true);
            }
            a.close();
            b.close();
        }
    }

    private static double queueFull(ReplicaProcess replica) {
        return replica.metric("colmeia_broker_messages_dropped_total", Map.of("reason", "queue_full"));
    }

    private static MqttConnectOptions options() {
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(true);
        options.setMaxInflight(1000);
        options.setConnectionTimeout(10);
        return options;
    }

    private static List<String> concat(List<String> first, List<String> second) {
        return java.util.stream.Stream.concat(first.stream(), second.stream()).toList();
    }
}

package io.colmeia.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.colmeia.common.config.HostPort;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Three replica processes on loopback, linked into one cluster, exercised by real MQTT clients: what a
 * subscriber on any replica sees of what is published on any replica.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterRoutingTest {

    private static final Duration READY = Duration.ofSeconds(90);
    private static final Duration DELIVERY = Duration.ofSeconds(30);
    private static final int MESSAGES = 200;

    private final List<ReplicaProcess> replicas = new ArrayList<>();
    private final List<MqttClient> clients = new ArrayList<>();
    private List<HostPort> clusterAddresses;

    @BeforeAll
    void startCluster(@TempDir Path dir) {
        for (int i = 1; i <= 3; i++) {
            replicas.add(new ReplicaProcess("broker-" + i, "127.0.1." + (30 + i), dir.resolve("broker-" + i)));
        }
        clusterAddresses = replicas.stream().map(r -> r.cluster).toList();
        try {
            replicas.forEach(r -> r.start(clusterAddresses));
            replicas.forEach(r -> r.awaitReady(READY));
            for (ReplicaProcess r : replicas) {
                awaitPeersUp(r, 2);
            }
        } catch (RuntimeException | Error e) {
            stopCluster();
            throw e;
        }
    }

    @AfterAll
    void stopCluster() {
        replicas.forEach(ReplicaProcess::close);
    }

    @AfterEach
    void disconnectClients() {
        for (MqttClient c : clients) {
            try {
                if (c.isConnected()) {
                    c.disconnect(1000);
                }
                c.close(true);
            } catch (MqttException e) {
                // already gone
            }
        }
        clients.clear();
    }

    @ParameterizedTest(name = "QoS {0}")
    @ValueSource(ints = {0, 1, 2})
    @Order(1)
    void everySubscriberGetsEveryMessageFromEveryReplicaOnceAndInPublisherOrder(int qos) throws Exception {
        String prefix = "cl/q" + qos + "/";
        List<List<String>> wildcard = new ArrayList<>();
        List<List<String>> exact = new ArrayList<>();
        List<MqttClient> publishers = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            List<String> w = new CopyOnWriteArrayList<>();
            List<String> e = new CopyOnWriteArrayList<>();
            wildcard.add(w);
            exact.add(e);
            subscribe(replicas.get(r), "wild-" + qos + "-" + r, prefix + "+/data", qos, w);
            // the exact subscriber on replica r follows the publisher on the next replica
            subscribe(replicas.get(r), "exact-" + qos + "-" + r, prefix + "p" + ((r + 1) % 3) + "/data", qos, e);
            publishers.add(connect(replicas.get(r), "pub-" + qos + "-" + r));
        }
        awaitRoutes(publishers, prefix, qos, wildcard, exact);

        if (qos == 0) {
            // QoS 0 has no flow control: unthrottled publishers on a loaded machine can overrun a subscriber, and
            // HiveMQ then drops QoS 0 messages (as any broker may). Publish in rounds, each once the previous one
            // has arrived everywhere, so that a loss here is the cluster's fault.
            for (int i = 0; i < MESSAGES; i++) {
                for (int r = 0; r < 3; r++) {
                    publishers.get(r).publish(prefix + "p" + r + "/data", payload("p" + r + "-" + i), qos, false);
                }
                String last = "-" + i;
                spinUntil(() -> IntStream.range(0, 3).allMatch(r -> wildcard.get(r).containsAll(
                        List.of("p0" + last, "p1" + last, "p2" + last))
                        && exact.get(r).contains("p" + ((r + 1) % 3) + last)));
            }
            for (int r = 0; r < 3; r++) {
                publishers.get(r).publish(prefix + "p" + r + "/data", payload("end-p" + r), qos, false);
            }
        } else {
            publishConcurrently(publishers, prefix, qos);
        }
        // QoS 0 is at most once by definition; the link does not lose it either while it is up, so the
        // expectation is the same for every QoS
        assertEveryMessageOnceInOrder(wildcard, exact);
    }

    /** Polls every millisecond (Awaitility's poll interval is too coarse for 200 rounds). */
    private static void spinUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + DELIVERY.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not delivered everywhere within " + DELIVERY);
            }
            Thread.sleep(1);
        }
    }

    /** The three publishers publish at the same time, each from its own thread. */
    private static void publishConcurrently(List<MqttClient> publishers, String prefix, int qos) throws Exception {
        List<CompletableFuture<Void>> publishing = new ArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(3);
        for (int r = 0; r < 3; r++) {
            MqttClient publisher = publishers.get(r);
            String topic = prefix + "p" + r + "/data";
            String name = "p" + r;
            publishing.add(CompletableFuture.runAsync(() -> {
                try {
                    for (int i = 0; i < MESSAGES; i++) {
                        publisher.publish(topic, payload(name + "-" + i), qos, false);
                    }
                    publisher.publish(topic, payload("end-" + name), qos, false);
                } catch (MqttException e) {
                    throw new IllegalStateException(e);
                }
            }, threads));
        }
        try {
            CompletableFuture.allOf(publishing.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        } finally {
            threads.shutdownNow();
        }
    }

    private void assertEveryMessageOnceInOrder(List<List<String>> wildcard, List<List<String>> exact) {
        for (int r = 0; r < 3; r++) {
            List<String> w = wildcard.get(r);
            List<String> e = exact.get(r);
            int followed = (r + 1) % 3;
            await().atMost(DELIVERY).until(() -> w.containsAll(List.of("end-p0", "end-p1", "end-p2")));
            await().atMost(DELIVERY).until(() -> e.contains("end-p" + followed));
            for (int p = 0; p < 3; p++) {
                String publisher = "p" + p;
                assertThat(w.stream().filter(m -> m.startsWith(publisher + "-")).toList())
                        .as("replica %d wildcard subscriber, messages from the publisher on replica %d", r + 1, p + 1)
                        .containsExactlyElementsOf(expected(publisher));
            }
            assertThat(e.stream().filter(m -> !m.startsWith("end-") && !m.startsWith("probe")).toList())
                    .as("replica %d exact subscriber", r + 1)
                    .containsExactlyElementsOf(expected("p" + followed));
        }
    }

    @Test
    @Order(2)
    void aPublishGoesOnlyToPeersWithAMatchingSubscription() throws Exception {
        ReplicaProcess origin = replicas.get(0);
        List<String> got = new CopyOnWriteArrayList<>();
        subscribe(replicas.get(1), "only-sub", "only/b2/#", 1, got);
        MqttClient publisher = connect(origin, "only-pub");
        awaitProbe(publisher, "only/b2/probe", got);
        double toB2 = forwards(origin, "broker-2");
        double toB3 = forwards(origin, "broker-3");
        double inB3 = replicas.get(2).metric("colmeia_broker_cluster_forwarded_in_total", Map.of("peer", "broker-1"));
        double byTap = origin.metric("colmeia_broker_cluster_local_publishes_total", Map.of("path", "tap"));

        for (int i = 0; i < 50; i++) {
            publisher.publish("only/b2/x", payload("m" + i), 1, false);
            publisher.publish("nobody/listens", payload("n" + i), 1, false);
        }
        publisher.publish("only/b2/x", payload("end"), 1, false);
        await().atMost(DELIVERY).until(() -> got.contains("end"));

        assertThat(forwards(origin, "broker-2") - toB2).isEqualTo(51);
        assertThat(forwards(origin, "broker-3") - toB3).isZero();
        assertThat(replicas.get(2).metric("colmeia_broker_cluster_forwarded_in_total", Map.of("peer", "broker-1")))
                .isEqualTo(inB3);
        // forwarded messages reached HiveMQ past its extension executor, local PUBLISHes were forwarded from HiveMQ's
        // event loop, not by an interceptor, and the links run on HiveMQ's network threads (all fail if a HiveMQ
        // upgrade moved its internals)
        assertThat(origin.metric("colmeia_broker_cluster_local_publishes_total", Map.of("path", "tap")) - byTap)
                .isEqualTo(101);
        for (ReplicaProcess r : replicas) {
            assertThat(r.metric("colmeia_broker_cluster_direct_delivery", Map.of())).as(r.nodeId).isEqualTo(1);
            assertThat(r.metric("colmeia_broker_cluster_publish_tap", Map.of())).as(r.nodeId).isEqualTo(1);
            assertThat(r.metric("colmeia_broker_cluster_link_shares_network_threads", Map.of())).as(r.nodeId)
                    .isEqualTo(1);
            assertThat(r.metric("colmeia_broker_cluster_local_publishes_total", Map.of("path", "interceptor")))
                    .as(r.nodeId).isZero();
        }
    }

    @Test
    @Order(3)
    void aRetainedMessageSetOnOneReplicaReachesALateSubscriberOnAnother() throws Exception {
        MqttClient publisher = connect(replicas.get(0), "ret-pub");
        publisher.publish("ret/late", payload("v1"), 1, true);
        List<String> got = new CopyOnWriteArrayList<>();
        subscribe(replicas.get(2), "ret-late-sub", "ret/late", 1, got); // right after the publish: no waiting
        await().atMost(DELIVERY).until(() -> got.contains("v1"));
        assertThat(got).containsExactly("v1");
    }

    @Test
    @Order(4)
    void clearingARetainedMessageOnOneReplicaClearsItEverywhere() throws Exception {
        MqttClient publisher = connect(replicas.get(0), "clear-pub");
        publisher.publish("clr/a", payload("old"), 1, true);
        List<String> first = new CopyOnWriteArrayList<>();
        subscribe(replicas.get(1), "clear-sub-1", "clr/a", 1, first);
        await().atMost(DELIVERY).until(() -> first.contains("old"));

        publisher.publish("clr/a", new byte[0], 1, true);
        // published after the clear by the same client: once it is stored on replica 2, so is the clear
        publisher.publish("clr/marker", payload("marker"), 1, true);
        List<String> later = new CopyOnWriteArrayList<>();
        await().atMost(DELIVERY).untilAsserted(() -> {
            later.clear();
            MqttClient sub = subscribe(replicas.get(1), "clear-sub-2", "clr/#", 1, later);
            try {
                await().atMost(Duration.ofSeconds(3)).until(() -> later.contains("marker"));
            } finally {
                sub.disconnect(1000);
            }
        });
        assertThat(later).containsExactly("marker");
    }

    @Test
    @Order(5)
    void aSharedGroupSpreadOverReplicasGetsEachMessageOnceBalancedAcrossItsMembers() throws Exception {
        // members: one on replica 1, two on replica 2, one on replica 3; a plain subscriber on replica 2 too
        Map<String, List<String>> members = new java.util.LinkedHashMap<>();
        int[] onReplica = {0, 1, 1, 2};
        for (int i = 0; i < onReplica.length; i++) {
            List<String> got = new CopyOnWriteArrayList<>();
            String id = "share-" + i + "-on-" + (onReplica[i] + 1);
            members.put(id, got);
            MqttClient c = connect(replicas.get(onReplica[i]), id);
            c.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
                @Override
                public void connectionLost(Throwable cause) {
                }

                @Override
                public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage message) {
                    got.add(topic + " " + new String(message.getPayload(), StandardCharsets.UTF_8));
                }

                @Override
                public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {
                }
            });
            c.subscribe("$share/workers/sh/+/job", 1);
        }
        List<String> plain = new CopyOnWriteArrayList<>();
        subscribe(replicas.get(1), "share-plain", "sh/+/job", 1, plain);
        int[] expectedLocal = {1, 2, 1};
        for (int r = 0; r < 3; r++) {
            ReplicaProcess replica = replicas.get(r);
            int total = 4 - expectedLocal[r];
            await().atMost(DELIVERY).pollInterval(Duration.ofMillis(200)).until(() ->
                    replica.metric("colmeia_broker_cluster_peer_share_members", Map.of()) == total);
        }
        double[] deliveredBefore = new double[3];
        for (int r = 0; r < 3; r++) {
            deliveredBefore[r] = replicas.get(r).metric("colmeia_broker_cluster_share_deliveries_total", Map.of());
        }
        List<MqttClient> publishers = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            publishers.add(connect(replicas.get(r), "share-pub-" + r));
        }
        int perPublisher = 100;
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < perPublisher; i++) {
            for (int r = 0; r < 3; r++) {
                publishers.get(r).publish("sh/p" + r + "/job", payload("p" + r + "-" + i), 1, false);
                expected.add("sh/p" + r + "/job p" + r + "-" + i);
            }
        }
        int n = expected.size();
        await().atMost(DELIVERY).until(() -> members.values().stream().mapToInt(List::size).sum() >= n
                && plain.size() >= n);
        Thread.sleep(500); // a duplicate would arrive now
        List<String> all = members.values().stream().flatMap(List::stream).toList();
        assertThat(all).as("every message once to the group, on its own topic").hasSize(n)
                .containsExactlyInAnyOrderElementsOf(expected);
        members.forEach((id, got) -> assertThat(got.size()).as("messages member %s got of %d", id, n)
                .isBetween(n / 4 / 2, n / 4 * 2));
        assertThat(plain).as("the plain subscriber next to two members").hasSize(n);
        double delivered = 0;
        for (int r = 0; r < 3; r++) {
            delivered += replicas.get(r).metric("colmeia_broker_cluster_share_deliveries_total", Map.of())
                    - deliveredBefore[r];
        }
        assertThat(delivered).isEqualTo(n);
    }

    @Test
    @Order(6)
    void aKilledReplicaRejoinsResynchronisesAndTheOthersKeepExchangingMeanwhile() throws Exception {
        ReplicaProcess third = replicas.get(2);
        third.kill();
        await().atMost(DELIVERY).until(() -> peersUp(replicas.get(0)) == 1 && peersUp(replicas.get(1)) == 1);

        // the two survivors keep exchanging
        List<String> survivors = new CopyOnWriteArrayList<>();
        subscribe(replicas.get(1), "surv-sub", "kill/live", 1, survivors);
        MqttClient publisher = connect(replicas.get(0), "surv-pub");
        awaitProbe(publisher, "kill/live", survivors);
        for (int i = 0; i < 50; i++) {
            publisher.publish("kill/live", payload("s" + i), 1, false);
        }
        await().atMost(DELIVERY).until(() -> survivors.contains("s49"));
        assertThat(survivors.stream().filter(m -> m.startsWith("s")).toList())
                .containsExactlyElementsOf(IntStream.range(0, 50).mapToObj(i -> "s" + i).toList());
        // a retained message set while the third replica is down
        publisher.publish("kill/retained", payload("while-down"), 1, true);

        third.start(clusterAddresses);
        third.awaitReady(READY);
        awaitPeersUp(third, 2);
        await().atMost(DELIVERY).until(() -> peersUp(replicas.get(0)) == 2 && peersUp(replicas.get(1)) == 2);

        List<String> rejoined = new CopyOnWriteArrayList<>();
        subscribe(third, "rejoin-sub", "kill/#", 1, rejoined);
        await().atMost(DELIVERY).until(() -> rejoined.contains("while-down"));
        // its routes reached the others again: live messages from replica 1 arrive
        awaitProbe(publisher, "kill/after", rejoined);
        publisher.publish("kill/after", payload("after"), 1, false);
        await().atMost(DELIVERY).until(() -> rejoined.contains("after"));
        assertThat(replicas.get(0).metric("colmeia_broker_cluster_link_drops_total", Map.of("peer", "broker-3")))
                .isGreaterThanOrEqualTo(1);
    }

    // ---- helpers

    private static List<String> expected(String publisher) {
        return IntStream.range(0, MESSAGES).mapToObj(i -> publisher + "-" + i).toList();
    }

    /** Publishes probes until each subscriber has seen one from each publisher: routes are in place. */
    private void awaitRoutes(List<MqttClient> publishers, String prefix, int qos, List<List<String>> wildcard,
                             List<List<String>> exact) {
        await().atMost(DELIVERY).pollInterval(Duration.ofMillis(200)).until(() -> {
            for (int r = 0; r < 3; r++) {
                publishers.get(r).publish(prefix + "p" + r + "/data", payload("probe-p" + r), 1, false);
            }
            for (int r = 0; r < 3; r++) {
                if (!wildcard.get(r).containsAll(List.of("probe-p0", "probe-p1", "probe-p2"))
                        || !exact.get(r).contains("probe-p" + ((r + 1) % 3))) {
                    return false;
                }
            }
            return true; // probes still in flight are told apart by their payload
        });
    }

    private void awaitProbe(MqttClient publisher, String topic, List<String> got) {
        await().atMost(DELIVERY).pollInterval(Duration.ofMillis(200)).until(() -> {
            publisher.publish(topic, payload("probe"), 1, false);
            return got.contains("probe");
        });
    }

    private double forwards(ReplicaProcess replica, String peer) {
        return replica.metric("colmeia_broker_cluster_forwards_total", Map.of("peer", peer));
    }

    private static int peersUp(ReplicaProcess replica) {
        try {
            return (int) replica.metric("colmeia_broker_cluster_peers", Map.of("state", "up"));
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private static void awaitPeersUp(ReplicaProcess replica, int n) {
        await().atMost(DELIVERY).pollInterval(Duration.ofMillis(200)).until(() -> peersUp(replica) == n);
    }

    private MqttClient subscribe(ReplicaProcess replica, String id, String filter, int qos, List<String> sink)
            throws MqttException {
        MqttClient client = connect(replica, id);
        client.subscribe(filter, qos,
                (topic, message) -> sink.add(new String(message.getPayload(), StandardCharsets.UTF_8)));
        return client;
    }

    private MqttClient connect(ReplicaProcess replica, String id) throws MqttException {
        MqttClient client = new MqttClient("tcp://" + replica.mqtt, id, new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(true);
        options.setMaxInflight(1000);
        options.setConnectionTimeout(10);
        client.connect(options);
        clients.add(client);
        return client;
    }

    private static byte[] payload(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}

package io.colmeia.broker.cluster;

import io.colmeia.common.testing.FreePorts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.colmeia.broker.cluster.forward.LocalBroker;
import io.colmeia.broker.cluster.link.Message;
import io.colmeia.common.config.HostPort;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two cluster nodes in one JVM over real loopback links, with a recording broker instead of HiveMQ. */
class ClusterNodeLinkTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    @Test
    void qos1MessagesSurviveALinkDropExactlyOnceAndInOrder() {
        HostPort a = FreePorts.on("127.0.1.41");
        HostPort b = FreePorts.on("127.0.1.42");
        RecordingBroker brokerB = new RecordingBroker();
        ClusterNode nodeA = node("node-a", a, List.of(b), new RecordingBroker(), List.of());
        ClusterNode nodeB = node("node-b", b, List.of(a), brokerB, List.of("t/#"));
        await().atMost(WAIT).until(() -> nodeA.routes().matches("node-b", "t/x"));

        int n = 2_000;
        for (int i = 0; i < n; i++) {
            Message m = Message.simple("t/x", 1, false, ("m" + i).getBytes(StandardCharsets.UTF_8));
            nodeA.forward("t/x", false, () -> m);
            if (i == n / 2) {
                nodeB.dropLinks(); // in-flight and unacknowledged messages must be re-sent, duplicates dropped
            }
        }
        await().atMost(WAIT).until(() -> brokerB.payloads().contains("m" + (n - 1)));
        assertThat(brokerB.payloads())
                .containsExactlyElementsOf(IntStream.range(0, n).mapToObj(i -> "m" + i).toList());
        await().atMost(WAIT).until(() -> nodeA.peerStates().equals(Map.of("node-b", "up")));
    }

    @Test
    void sendsOnlyToAPeerWhoseRoutesMatch() {
        HostPort a = FreePorts.on("127.0.1.41");
        HostPort b = FreePorts.on("127.0.1.42");
        RecordingBroker brokerB = new RecordingBroker();
        ClusterNode nodeA = node("node-a", a, List.of(b), new RecordingBroker(), List.of());
        node("node-b", b, List.of(a), brokerB, List.of("wanted/+"));
        await().atMost(WAIT).until(() -> nodeA.routes().matches("node-b", "wanted/1"));
        nodeA.forward("unwanted/1", false, () -> Message.simple("unwanted/1", 1, false, "u".getBytes()));
        nodeA.forward("wanted/1", false, () -> Message.simple("wanted/1", 1, false, "w".getBytes()));
        await().atMost(WAIT).until(() -> brokerB.payloads().contains("w"));
        assertThat(brokerB.payloads()).containsExactly("w");
    }

    @Test
    void aSharedGroupPickIsDeliveredToOneMemberOfThePickedNodeAndOnlyThePlainCopyGoesToItsSubscribers() {
        HostPort a = FreePorts.on("127.0.1.41");
        HostPort b = FreePorts.on("127.0.1.42");
        RecordingBroker brokerA = new RecordingBroker();
        RecordingBroker brokerB = new RecordingBroker();
        ClusterNode nodeA = node("node-a", a, List.of(b), brokerA, List.of());
        ClusterNode nodeB = new ClusterNode("node-b", new ClusterConfig(b, List.of(a), "", 0, Duration.ofSeconds(5),
                Duration.ofMillis(100), Duration.ofSeconds(2), 1000), 65_536, new SimpleMeterRegistry());
        toClose.add(nodeB);
        nodeB.start(brokerB, () -> List.of(Map.entry("worker-b", "$colmeia-share/g/jobs/#")));
        await().atMost(WAIT).until(() -> nodeA.shares().peerMemberCount("node-b") == 1);

        for (int i = 0; i < 10; i++) {
            byte[] payload = ("j" + i).getBytes(StandardCharsets.UTF_8);
            nodeA.forward("jobs/x", false, () -> Message.simple("jobs/x", 1, false, payload));
        }
        await().atMost(WAIT).until(() -> brokerB.toMembers.size() == 10);
        assertThat(brokerB.toMembers).containsExactlyElementsOf(
                IntStream.range(0, 10).mapToObj(i -> "worker-b $colmeia-share/g/jobs/x j" + i).toList());
        assertThat(brokerB.delivered).isEmpty(); // node-b has no plain subscription on jobs/x
        assertThat(brokerA.toMembers).isEmpty();

        nodeB.close(); // the only member's node is gone: QoS 1 waits for it, QoS 0 is dropped, nothing local
        await().atMost(WAIT).until(() -> nodeA.peerStates().equals(Map.of("node-b", "down")));
        nodeA.forward("jobs/x", false, () -> Message.simple("jobs/x", 0, false, new byte[1]));
        assertThat(brokerA.toMembers).isEmpty();
    }

    @Test
    void aNodeJoiningLaterReceivesTheRetainedSetAndKeepsNewerLocalOnes() {
        HostPort a = FreePorts.on("127.0.1.41");
        HostPort b = FreePorts.on("127.0.1.42");
        RecordingBroker brokerA = new RecordingBroker();
        brokerA.retained.put("r/1", Message.simple("r/1", 1, true, "from-a".getBytes()));
        brokerA.retained.put("r/2", Message.simple("r/2", 1, true, "from-a".getBytes()));
        node("node-a", a, List.of(b), brokerA, List.of());
        RecordingBroker brokerB = new RecordingBroker();
        brokerB.retained.put("r/2", Message.simple("r/2", 1, true, "from-b".getBytes()));
        node("node-b", b, List.of(a), brokerB, List.of());
        await().atMost(WAIT).until(() -> brokerB.retained.containsKey("r/1"));
        assertThat(new String(brokerB.retained.get("r/2").payload(), StandardCharsets.UTF_8)).isEqualTo("from-b");
        await().atMost(WAIT).until(() -> brokerA.retained.size() == 2);
    }

    @Test
    void anAddressThatIsThisNodeItselfIsNotLinked() throws Exception {
        HostPort a = FreePorts.on("127.0.1.41");
        ClusterConfig config = new ClusterConfig(a, List.of(), "replicas.test", 0, Duration.ofMillis(200),
                Duration.ofMillis(100), Duration.ofSeconds(1), 1000);
        ClusterNode self = new ClusterNode("node-a", config, 65_536, new SimpleMeterRegistry(),
                name -> List.of(InetAddress.getByName("127.0.1.41")));
        toClose.add(self);
        self.start(new RecordingBroker(), List::of);
        Thread.sleep(1_000); // several DNS rounds and dial ticks
        assertThat(self.peerStates()).isEmpty();
    }

    @Test
    void whenOnlyTheHigherIdKnowsThePeerTheLowerIdIsToldToDialAndOneLinkComesUp() {
        HostPort a = FreePorts.on("127.0.1.41");
        HostPort b = FreePorts.on("127.0.1.42");
        ClusterNode nodeA = node("node-a", a, List.of(), new RecordingBroker(), List.of());
        ClusterNode nodeB = node("node-b", b, List.of(a), new RecordingBroker(), List.of());
        await().atMost(WAIT).until(() -> nodeA.peerStates().equals(Map.of("node-b", "up"))
                && nodeB.peerStates().equals(Map.of("node-a", "up")));
    }

    @Test
    void peersFoundThroughDnsAreLinked() {
        HostPort a = FreePorts.on("127.0.1.41");
        HostPort b = FreePorts.on("127.0.1.42");
        ClusterConfig config = new ClusterConfig(a, List.of(), "replicas.test", b.port(), Duration.ofMillis(200),
                Duration.ofMillis(100), Duration.ofSeconds(1), 1000);
        ClusterNode nodeA = new ClusterNode("node-a", config, 65_536, new SimpleMeterRegistry(),
                name -> List.of(InetAddress.getByName("127.0.1.41"), InetAddress.getByName("127.0.1.42")));
        toClose.add(nodeA);
        nodeA.start(new RecordingBroker(), List::of);
        ClusterNode nodeB = node("node-b", b, List.of(), new RecordingBroker(), List.of());
        await().atMost(WAIT).until(() -> nodeA.peerStates().equals(Map.of("node-b", "up"))
                && nodeB.peerStates().equals(Map.of("node-a", "up")));
    }

    private ClusterNode node(String id, HostPort listen, List<HostPort> peers, LocalBroker broker,
                             List<String> subscriptions) {
        ClusterConfig config = new ClusterConfig(listen, peers, "", 0, Duration.ofSeconds(5), Duration.ofMillis(100),
                Duration.ofSeconds(2), 100_000);
        ClusterNode node = new ClusterNode(id, config, 65_536, new SimpleMeterRegistry());
        toClose.add(node);
        node.start(broker, ClusterNode.SubscriptionSource.ofFilters(subscriptions));
        return node;
    }

    private static final class RecordingBroker implements LocalBroker {
        final List<Message> delivered = new CopyOnWriteArrayList<>();
        final Map<String, Message> retained = new ConcurrentHashMap<>();
        final List<String> toMembers = new CopyOnWriteArrayList<>();

        @Override
        public CompletableFuture<Void> deliver(Message message) {
            delivered.add(message);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Boolean> deliverTo(Message message, String topic, String clientId) {
            toMembers.add(clientId + " " + topic + " " + new String(message.payload(), StandardCharsets.UTF_8));
            return CompletableFuture.completedFuture(true);
        }

        @Override
        public CompletableFuture<Boolean> storeRetainedIfMissing(Message message) {
            return CompletableFuture.completedFuture(retained.putIfAbsent(message.topic(), message) == null);
        }

        @Override
        public CompletableFuture<Void> forEachRetained(Consumer<Message> each) {
            retained.values().forEach(each);
            return CompletableFuture.completedFuture(null);
        }

        List<String> payloads() {
            return delivered.stream().map(m -> new String(m.payload(), StandardCharsets.UTF_8)).toList();
        }
    }
}

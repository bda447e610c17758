package io.colmeia.dns.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.colmeia.dns.metrics.DnsMetrics;
import io.colmeia.dns.zone.Endpoint;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class HealthCheckerTest {

    static final Duration PATIENCE = Duration.ofSeconds(20);

    final Map<Endpoint, Boolean> up = new ConcurrentHashMap<>();
    final Prober prober = (node, timeout) -> new Prober.Result(up.getOrDefault(node, false), "scripted");
    final List<List<Endpoint>> published = new CopyOnWriteArrayList<>();

    static Endpoint node(int i) throws Exception {
        return new Endpoint(InetAddress.getByName("127.0.3." + i), 1883);
    }

    HealthChecker checker(NodeSource source, int rise, int fall) {
        return new HealthChecker(source, prober, new HealthChecker.Settings(Duration.ofMillis(50),
                Duration.ofMillis(200), rise, fall, Duration.ofMillis(50)),
                new DnsMetrics(new SimpleMeterRegistry()), published::add);
    }

    @Test
    void firstRoundPublishesOnlyTheHealthyNodes() throws Exception {
        up.put(node(11), true);
        up.put(node(12), false);
        try (HealthChecker checker = checker(NodeSource.fixed(List.of(node(11), node(12))), 1, 1)) {
            checker.start();
            assertThat(checker.serving()).containsExactly(node(11));
        }
    }

    @Test
    void noHealthyNodeMeansAllAreAnswered() throws Exception {
        try (HealthChecker checker = checker(NodeSource.fixed(List.of(node(11), node(12))), 1, 1)) {
            checker.start();
            assertThat(checker.serving()).containsExactly(node(11), node(12));
            assertThat(checker.nodes()).allSatisfy(n -> assertThat(n.probed()).isTrue());
        }
    }

    @Test
    void fallAndRiseThresholdsAreHonoured() throws Exception {
        up.put(node(11), true);
        up.put(node(12), true);
        try (HealthChecker checker = checker(NodeSource.fixed(List.of(node(11), node(12))), 3, 2)) {
            checker.start();
            assertThat(checker.serving()).containsExactly(node(11), node(12));
            up.put(node(12), false);
            await().atMost(PATIENCE).until(() -> checker.serving().equals(List.of(node(11))));
            up.put(node(12), true);
            await().atMost(PATIENCE).until(() -> checker.serving().size() == 2);
            // each change was published once, in order
            assertThat(published).containsSubsequence(List.of(node(11), node(12)), List.of(node(11)),
                    List.of(node(11), node(12)));
        }
    }

    @Test
    void discoveredNodesAreAddedAndRemovedAndAFailedLookupKeepsTheLastList() throws Exception {
        AtomicReference<Object> answer = new AtomicReference<>(List.of(node(11)));
        NodeSource source = new NodeSource() {
            @Override
            @SuppressWarnings("unchecked")
            public List<Endpoint> nodes() throws Exception {
                Object a = answer.get();
                if (a instanceof Exception e) {
                    throw e;
                }
                return (List<Endpoint>) a;
            }

            @Override
            public boolean dynamic() {
                return true;
            }

            @Override
            public String describe() {
                return "scripted";
            }
        };
        up.put(node(11), true);
        up.put(node(12), true);
        try (HealthChecker checker = checker(source, 1, 1)) {
            checker.start();
            assertThat(checker.serving()).containsExactly(node(11));
            answer.set(List.of(node(11), node(12)));
            await().atMost(PATIENCE).until(() -> checker.serving().size() == 2);
            answer.set(new java.io.IOException("resolver down"));
            Thread.sleep(300); // several discovery rounds fail
            assertThat(checker.serving()).containsExactly(node(11), node(12));
            answer.set(List.of(node(12)));
            await().atMost(PATIENCE).until(() -> checker.serving().equals(List.of(node(12))));
        }
    }
}

package io.colmeia.ingress.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.colmeia.common.config.HostPort;
import io.colmeia.ingress.balance.Replica;
import io.colmeia.ingress.balance.ReplicaSet;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ReplicaDiscoveryTest {

    private final AtomicReference<Object> answer = new AtomicReference<>();
    private final List<String> probedAtOnce = new ArrayList<>();

    private InetAddress[] resolve(String name) throws UnknownHostException {
        assertThat(name).isEqualTo("tasks.broker");
        Object a = answer.get();
        if (a instanceof UnknownHostException e) {
            throw e;
        }
        return (InetAddress[]) a;
    }

    private static InetAddress[] addresses(String... ips) throws UnknownHostException {
        InetAddress[] result = new InetAddress[ips.length];
        for (int i = 0; i < ips.length; i++) {
            result[i] = InetAddress.getByName(ips[i]);
        }
        return result;
    }

    private static List<String> ids(ReplicaSet set) {
        return set.all().stream().map(Replica::id).sorted().toList();
    }

    @Test
    void follows_the_dns_answer_and_keeps_static_replicas() throws Exception {
        ReplicaSet set = new ReplicaSet(r -> { }, r -> { });
        ReplicaDiscovery discovery = new ReplicaDiscovery(set, List.of(new HostPort("127.0.1.9", 1999)),
                "tasks.broker", 1883, Duration.ofSeconds(10), this::resolve, r -> probedAtOnce.add(r.id()));
        answer.set(addresses("10.0.9.2", "10.0.9.3"));
        discovery.refresh();
        assertThat(ids(set)).containsExactly("10.0.9.2:1883", "10.0.9.3:1883", "127.0.1.9:1999");
        assertThat(probedAtOnce).containsExactlyInAnyOrder("10.0.9.2:1883", "10.0.9.3:1883", "127.0.1.9:1999");

        answer.set(addresses("10.0.9.3", "10.0.9.4"));
        discovery.refresh();
        assertThat(ids(set)).containsExactly("10.0.9.3:1883", "10.0.9.4:1883", "127.0.1.9:1999");
        assertThat(probedAtOnce).endsWith("10.0.9.4:1883");
        discovery.close();
    }

    @Test
    void a_failed_lookup_keeps_the_last_answer() throws Exception {
        ReplicaSet set = new ReplicaSet(r -> { }, r -> { });
        ReplicaDiscovery discovery = new ReplicaDiscovery(set, List.of(), "tasks.broker", 1883,
                Duration.ofSeconds(10), this::resolve, r -> { });
        answer.set(addresses("10.0.9.2"));
        discovery.refresh();
        answer.set(new UnknownHostException("SERVFAIL"));
        discovery.refresh();
        assertThat(ids(set)).containsExactly("10.0.9.2:1883");
        discovery.close();
    }
}

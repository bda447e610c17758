package io.colmeia.ingress.balance;

import static org.assertj.core.api.Assertions.assertThat;

import io.colmeia.common.config.HostPort;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReplicaSelectorTest {

    private static List<Replica> replicas(int n) {
        List<Replica> list = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            list.add(new Replica(new HostPort("127.0.1." + i, 1883)));
        }
        return list;
    }

    private static Replica first(List<Replica> healthy, String clientId) {
        return ReplicaSelector.order(healthy, clientId, "10.0.0.1").get(0);
    }

    @Test
    void the_score_is_a_fixed_function_of_key_and_replica() {
        assertThat(RendezvousHash.score("esp-1", "127.0.1.1:1883"))
                .isEqualTo(RendezvousHash.score("esp-1", "127.0.1.1:1883"))
                .isNotEqualTo(RendezvousHash.score("esp-1", "127.0.1.2:1883"));
        assertThat(RendezvousHash.score("ab", "c")).isNotEqualTo(RendezvousHash.score("a", "bc"));
        // pinned: a change of the function would move every client during a rolling upgrade
        assertThat(RendezvousHash.score("esp-1", "127.0.1.1:1883")).isEqualTo(-1354838355350032833L);
    }

    @Test
    void two_ingress_nodes_with_separate_replica_objects_choose_the_same_replica() {
        List<Replica> nodeA = replicas(3);
        List<Replica> nodeB = new ArrayList<>(replicas(3));
        java.util.Collections.reverse(nodeB);
        for (int i = 0; i < 1000; i++) {
            String id = "device-" + i;
            assertThat(first(nodeA, id).id()).isEqualTo(first(nodeB, id).id());
        }
    }

    @Test
    void spreads_clients_evenly() {
        List<Replica> healthy = replicas(3);
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 30_000; i++) {
            counts.merge(first(healthy, "esp8266-" + Integer.toHexString(i * 7919)).id(), 1, Integer::sum);
        }
        assertThat(counts).hasSize(3);
        counts.values().forEach(c -> assertThat(c).isBetween(9_000, 11_000));
    }

    @Test
    void losing_a_replica_moves_only_its_own_clients() {
        List<Replica> all = replicas(3);
        List<Replica> withoutSecond = List.of(all.get(0), all.get(2));
        int moved = 0;
        for (int i = 0; i < 10_000; i++) {
            String id = "client-" + i;
            Replica before = first(all, id);
            Replica after = first(withoutSecond, id);
            if (before != all.get(1)) {
                assertThat(after).as(id + " was not on the lost replica and must stay").isSameAs(before);
            } else {
                moved++;
            }
        }
        assertThat(moved).isBetween(2_800, 3_900);
    }

    @Test
    void the_rest_of_the_order_is_the_failover_order() {
        List<Replica> all = replicas(3);
        List<Replica> order = ReplicaSelector.order(all, "sensor-42", "10.0.0.1");
        assertThat(order).hasSize(3).doesNotHaveDuplicates();
        List<Replica> withoutFirst = new ArrayList<>(all);
        withoutFirst.remove(order.get(0));
        assertThat(first(withoutFirst, "sensor-42")).isSameAs(order.get(1));
    }

    @Test
    void empty_client_ids_go_to_the_least_loaded_replica() {
        List<Replica> all = replicas(3);
        all.get(0).connectionOpened();
        all.get(0).connectionOpened();
        all.get(2).connectionOpened();
        assertThat(ReplicaSelector.order(all, "", "10.0.0.7").get(0)).isSameAs(all.get(1));
        all.get(1).connectionOpened();
        all.get(1).connectionOpened();
        assertThat(ReplicaSelector.order(all, "", "10.0.0.7").get(0)).isSameAs(all.get(2));
    }

    @Test
    void the_selector_only_offers_healthy_replicas() {
        ReplicaSet set = new ReplicaSet(r -> { }, r -> { });
        set.update(List.of(new HostPort("127.0.1.1", 1883), new HostPort("127.0.1.2", 1883)));
        ReplicaSelector selector = new ReplicaSelector(set);
        assertThat(selector.candidates("x", "10.0.0.1")).as("unprobed replicas are not healthy").isEmpty();
        set.all().get(1).recordProbe(true, "ok", 2);
        assertThat(selector.candidates("x", "10.0.0.1")).containsExactly(set.all().get(1));
    }

    @Test
    void a_replica_goes_down_after_the_configured_failures_and_up_after_one_success() {
        Replica r = new Replica(new HostPort("127.0.1.1", 1883));
        assertThat(r.recordProbe(true, "ok", 2)).isTrue();
        assertThat(r.recordProbe(false, "timeout", 2)).isFalse();
        assertThat(r.healthy()).isTrue();
        assertThat(r.recordProbe(false, "timeout", 2)).isTrue();
        assertThat(r.healthy()).isFalse();
        assertThat(r.recordProbe(true, "ok", 2)).isTrue();
        assertThat(r.markDown("connection refused")).isTrue();
        assertThat(r.healthy()).isFalse();
        assertThat(r.connectFailures()).isEqualTo(1);
    }

    @Test
    void membership_updates_keep_the_state_of_replicas_that_stay() {
        List<String> removed = new ArrayList<>();
        ReplicaSet set = new ReplicaSet(r -> { }, r -> removed.add(r.id()));
        set.update(List.of(new HostPort("127.0.1.1", 1883), new HostPort("127.0.1.2", 1883)));
        Replica kept = set.all().get(0);
        kept.recordProbe(true, "ok", 2);
        List<Replica> added = set.update(List.of(new HostPort("127.0.1.1", 1883), new HostPort("127.0.1.3", 1883)));
        assertThat(added).extracting(Replica::id).containsExactly("127.0.1.3:1883");
        assertThat(removed).containsExactly("127.0.1.2:1883");
        assertThat(set.all().get(0)).isSameAs(kept);
        assertThat(kept.healthy()).isTrue();
    }
}

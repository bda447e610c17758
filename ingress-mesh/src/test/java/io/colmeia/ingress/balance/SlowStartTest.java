package io.colmeia.ingress.balance;

import static org.assertj.core.api.Assertions.assertThat;

import io.colmeia.common.config.HostPort;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SlowStartTest {

    private static final long SECOND = 1_000_000_000L;
    private static final SlowStart THIRTY_SECONDS = new SlowStart(Duration.ofSeconds(30));

    /** Three healthy replicas; the first two ramped long ago, the third came up at time 0. */
    private static List<Replica> twoWarmOneNew() {
        List<Replica> list = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            Replica r = new Replica(new HostPort("127.0.1." + i, 1883));
            r.recordProbe(true, "ok", 2);
            r.healthySince(i == 3 ? 0 : -3600 * SECOND);
            list.add(r);
        }
        return list;
    }

    private static Set<String> clientsOn(Replica target, List<Replica> healthy, long now) {
        Set<String> on = new HashSet<>();
        for (int i = 0; i < 30_000; i++) {
            String id = "esp8266-" + i;
            if (ReplicaSelector.order(healthy, id, "10.0.0.1", THIRTY_SECONDS, now).get(0) == target) {
                on.add(id);
            }
        }
        return on;
    }

    @Test
    void a_new_replica_takes_a_growing_share_and_its_clients_stay_with_it() {
        List<Replica> healthy = twoWarmOneNew();
        Replica fresh = healthy.get(2);
        Set<String> atStart = clientsOn(fresh, healthy, 0);
        Set<String> at10 = clientsOn(fresh, healthy, 10 * SECOND);
        Set<String> at20 = clientsOn(fresh, healthy, 20 * SECOND);
        Set<String> ramped = clientsOn(fresh, healthy, 30 * SECOND);
        Set<String> plain = new HashSet<>();
        for (int i = 0; i < 30_000; i++) {
            String id = "esp8266-" + i;
            if (ReplicaSelector.order(healthy, id, "10.0.0.1").get(0) == fresh) {
                plain.add(id);
            }
        }
        System.out.printf("slow start: clients on the new replica at 0/10/20/30 s of 30 s: %d %d %d %d (of %d)%n",
                atStart.size(), at10.size(), at20.size(), ramped.size(), plain.size());
        assertThat(atStart).as("nothing at the start of the ramp").isEmpty();
        assertThat(at10.size()).isBetween(plain.size() / 3 - 500, plain.size() / 3 + 500);
        assertThat(at20.size()).isBetween(2 * plain.size() / 3 - 500, 2 * plain.size() / 3 + 500);
        assertThat(at20).as("a client admitted once stays admitted").containsAll(at10);
        assertThat(ramped).as("after the window: plain rendezvous, stickiness as without slow start")
                .isEqualTo(plain);
    }

    @Test
    void clients_held_back_go_to_their_second_choice_the_same_on_every_node() {
        List<Replica> nodeA = twoWarmOneNew();
        List<Replica> nodeB = new ArrayList<>(twoWarmOneNew());
        java.util.Collections.reverse(nodeB);
        for (int i = 0; i < 2_000; i++) {
            String id = "sensor-" + i;
            List<Replica> a = ReplicaSelector.order(nodeA, id, "10.0.0.1", THIRTY_SECONDS, 12 * SECOND);
            List<Replica> b = ReplicaSelector.order(nodeB, id, "10.0.0.9", THIRTY_SECONDS, 12 * SECOND);
            assertThat(a).extracting(Replica::id).containsExactlyElementsOf(b.stream().map(Replica::id).toList());
            assertThat(a).hasSize(3).doesNotHaveDuplicates();
        }
    }

    @Test
    void nothing_is_held_back_when_no_replica_is_fully_ramped() {
        List<Replica> healthy = twoWarmOneNew();
        healthy.forEach(r -> r.healthySince(0)); // e.g. this ingress node just started
        assertThat(THIRTY_SECONDS.active(healthy, 5 * SECOND)).isFalse();
        for (int i = 0; i < 1_000; i++) {
            String id = "dev-" + i;
            assertThat(ReplicaSelector.order(healthy, id, "", THIRTY_SECONDS, 5 * SECOND))
                    .isEqualTo(ReplicaSelector.order(healthy, id, ""));
        }
    }

    @Test
    void empty_client_ids_do_not_pile_onto_the_idle_new_replica() {
        List<Replica> healthy = twoWarmOneNew();
        healthy.get(0).connectionOpened();
        healthy.get(1).connectionOpened();
        // the new replica has the fewest connections, but at weight 0.1 it gets about a tenth of them
        int onFresh = 0;
        for (int i = 0; i < 2_000; i++) {
            if (ReplicaSelector.order(healthy, "", "10.0.0." + (i % 200), THIRTY_SECONDS, 3 * SECOND).get(0)
                    == healthy.get(2)) {
                onFresh++;
            }
        }
        assertThat(onFresh).isBetween(100, 320);
    }

    @Test
    void weights_for_the_metric() {
        List<Replica> healthy = twoWarmOneNew();
        ReplicaSet set = new ReplicaSet(r -> { }, r -> { });
        set.update(healthy.stream().map(Replica::address).toList());
        for (int i = 0; i < 3; i++) {
            set.all().get(i).recordProbe(true, "ok", 2);
            set.all().get(i).healthySince(healthy.get(i).healthySince());
        }
        long[] now = {15 * SECOND};
        ReplicaSelector selector = new ReplicaSelector(set, THIRTY_SECONDS, () -> now[0]);
        assertThat(selector.weight(set.all().get(0))).isEqualTo(1.0);
        assertThat(selector.weight(set.all().get(2))).isEqualTo(0.5);
        now[0] = 31 * SECOND;
        assertThat(selector.weight(set.all().get(2))).isEqualTo(1.0);
        set.all().get(2).markDown("refused");
        assertThat(selector.weight(set.all().get(2))).isZero();
        assertThat(SlowStart.NONE.weight(set.all().get(2), 0)).isEqualTo(1.0);
    }
}

package io.colmeia.broker.cluster.share;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SharedGroupsTest {

    private static final String KEY = "workers/jobs/+";
    private final AtomicLong now = new AtomicLong();
    private final List<String> events = new ArrayList<>();
    private final SharedGroups groups = new SharedGroups(1_000, now::get, (k, c) -> events.add(k + "=" + c));

    @Test
    void picksAreWeightedByMemberCountAcrossThisReplicaAndPeers() {
        groups.subscribed("local-1", KEY);
        groups.peerCount("b", KEY, 2);
        groups.peerCount("c", KEY, 1);
        Map<String, Integer> byNode = new HashMap<>();
        for (int i = 0; i < 400; i++) {
            List<SharedGroups.Pick> picks = groups.pick("jobs/7", p -> true);
            assertThat(picks).hasSize(1);
            byNode.merge(picks.get(0).local() ? "local" : picks.get(0).peer(), 1, Integer::sum);
        }
        assertThat(byNode).containsExactlyInAnyOrderEntriesOf(Map.of("local", 100, "b", 200, "c", 100));
        assertThat(groups.pick("other/7", p -> true)).isEmpty();
        assertThat(groups.pick("jobs/7/deeper", p -> true)).isEmpty();
    }

    @Test
    void aPeerWhoseLinkIsDownIsSkippedAndOnlyPickedWhenNobodyElseHasMembers() {
        groups.peerCount("b", KEY, 3);
        groups.peerCount("c", KEY, 1);
        for (int i = 0; i < 20; i++) {
            assertThat(groups.pick("jobs/1", p -> !p.equals("b"))).containsExactly(new SharedGroups.Pick(KEY, "c"));
        }
        assertThat(groups.pick("jobs/1", p -> false)).hasSize(1); // nobody reachable: a down peer buffers it
        groups.subscribed("local-1", KEY);
        for (int i = 0; i < 20; i++) {
            assertThat(groups.pick("jobs/1", p -> false)).containsExactly(new SharedGroups.Pick(KEY, null));
        }
    }

    @Test
    void localMembersTakeTurnsAndCountChangesAreAnnounced() {
        groups.subscribed("m1", KEY);
        groups.subscribed("m2", KEY);
        assertThat(events).containsExactly(KEY + "=1", KEY + "=2");
        List<String> first = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            first.add(groups.localCandidates(KEY).get(0));
        }
        assertThat(first).containsExactlyInAnyOrder("m1", "m2", "m1", "m2");
        assertThat(groups.localCandidates(KEY)).hasSize(2);
        assertThat(groups.isLocalMember("m1")).isTrue();

        groups.unsubscribed("m1", KEY);
        assertThat(events).endsWith(KEY + "=1");
        assertThat(groups.isLocalMember("m1")).isFalse();
    }

    @Test
    void theStoreIsTheTruthOncePinsExpire() {
        groups.subscribed("m1", KEY);
        groups.reconcile(Map.of()); // the store has not caught up yet: the pin keeps m1
        assertThat(groups.localMemberCount()).isEqualTo(1);
        now.addAndGet(1_001);
        groups.reconcile(Map.of());
        assertThat(groups.localMemberCount()).isZero();
        groups.reconcile(SharedGroups.membersOf(List.of(Map.entry("m9", "$colmeia-share/workers/jobs/+"),
                Map.entry("m9", "jobs/+"))));
        assertThat(groups.localCandidates(KEY)).containsExactly("m9");
        assertThat(events).containsExactly(KEY + "=1", KEY + "=0", KEY + "=1");
        assertThat(groups.isLocalMember("m9")).isTrue();
        assertThat(Set.of(groups.localMemberCount())).containsExactly(1);
    }
}

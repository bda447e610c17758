package io.colmeia.broker.cluster.route;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LocalRoutesTest {

    private final AtomicLong now = new AtomicLong();
    private final List<String> events = new ArrayList<>();
    private final LocalRoutes routes = new LocalRoutes(1_000, now::get, new LocalRoutes.Listener() {
        @Override
        public void added(String filter) {
            events.add("+" + filter);
        }

        @Override
        public void removed(String filter) {
            events.add("-" + filter);
        }
    });

    @Test
    void reconcileAdvertisesTheStoreAndWithdrawsWhatVanished() {
        routes.reconcile(List.of("a/#", "b", "b"));
        assertThat(events).containsExactlyInAnyOrder("+a/#", "+b");
        events.clear();
        routes.reconcile(List.of("b"));
        assertThat(events).containsExactly("-a/#");
        assertThat(routes.snapshot()).containsExactly("b");
    }

    @Test
    void aFreshSubscribeSurvivesAReconcileThatRacedWithTheStoreUntilItsPinExpires() {
        routes.subscribed(List.of("x/+"));
        routes.reconcile(List.of());
        assertThat(routes.snapshot()).containsExactly("x/+");
        now.addAndGet(1_001);
        routes.reconcile(List.of());
        assertThat(routes.snapshot()).isEmpty();
        assertThat(events).containsExactly("+x/+", "-x/+");
    }

    @Test
    void sharedSubscriptionsAreAdvertisedByTheirFilterOnce() {
        routes.subscribed(List.of("$share/g1/s/#", "$share/g2/s/#", "s/#"));
        assertThat(events).containsExactly("+s/#");
    }
}

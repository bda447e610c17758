package io.colmeia.broker.cluster.route;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RouteTableTest {

    private final RouteTable table = new RouteTable();

    @Test
    void choosesOnlyPeersWithAMatchingFilter() {
        table.replace("b2", List.of("home/+/temp"));
        table.replace("b3", List.of("office/#"));
        assertThat(table.peersMatching("home/kitchen/temp", List.of("b2", "b3"))).containsExactly("b2");
        assertThat(table.peersMatching("office/1/temp", List.of("b2", "b3"))).containsExactly("b3");
        assertThat(table.peersMatching("garden/temp", List.of("b2", "b3"))).isEmpty();
    }

    @Test
    void deltasAddAndRemoveFilters() {
        table.replace("b2", List.of("a"));
        table.add("b2", "b/#");
        assertThat(table.matches("b2", "b/c")).isTrue();
        table.remove("b2", "b/#");
        assertThat(table.matches("b2", "b/c")).isFalse();
        assertThat(table.size("b2")).isEqualTo(1);
    }

    @Test
    void fullSyncReplacesWhatWasKnown() {
        table.replace("b2", List.of("a", "b"));
        table.replace("b2", List.of("c"));
        assertThat(table.filters("b2")).containsExactly("c");
        assertThat(table.size()).isEqualTo(1);
    }

    @Test
    void unknownPeerMatchesNothing() {
        assertThat(table.matches("nobody", "a")).isFalse();
    }
}

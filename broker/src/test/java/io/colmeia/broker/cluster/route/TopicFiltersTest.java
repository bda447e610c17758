package io.colmeia.broker.cluster.route;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TopicFiltersTest {

    @ParameterizedTest(name = "{0} matches {1}: {2}")
    @CsvSource({
            "sport/tennis/player1, sport/tennis/player1, true",
            "sport/tennis/player1, sport/tennis/player2, false",
            "sport/tennis/player1, sport/tennis, false",
            "sport/tennis, sport/tennis/player1, false",
            "sport/#, sport, true",
            "sport/#, sport/tennis/player1, true",
            "sport/tennis/#, sport/tennis, true",
            "sport/tennis/#, sport/tennisx, false",
            "#, sport/tennis, true",
            "#, /, true",
            "+, sport, true",
            "+, sport/tennis, false",
            "+/+, /finance, true",
            "/+, /finance, true",
            "+, /finance, false",
            "sport/+, sport/, true",
            "sport/+/player1, sport/tennis/player1, true",
            "sport/+/player1, sport/tennis/player2, false",
            "+/tennis/#, sport/tennis/player1/ranking, true",
            "#, $SYS/broker, false",
            "+/monitor/Clients, $SYS/monitor/Clients, false",
            "$SYS/#, $SYS/monitor/Clients, true",
            "$SYS/monitor/+, $SYS/monitor/Clients, true",
            "a/b, A/b, false",
            "sport/tennis/#, sport, false",
            "+/+, a, false",
            "a//c, a//c, true",
            "a/+/c, a//c, true",
            "a/+/c, a/b, false",
            "sport/#, sport/, true",
            "+/+/temperatura, no1/sala/temperatura, true",
            "+/+/temperatura, no1/sala/umidade, false",
    })
    void matchesPerTheMqttSpec(String filter, String topic, boolean expected) {
        assertThat(TopicFilters.matches(filter, topic)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} routes by {1}")
    @CsvSource({
            "$share/group/sensors/#, sensors/#",
            "$share/g/a/b, a/b",
            "sensors/#, sensors/#",
            "$share/g, $share/g",
            "$sharex/g/a, $sharex/g/a",
    })
    void sharedSubscriptionsRouteByTheirFilter(String subscription, String routing) {
        assertThat(TopicFilters.routingFilter(subscription)).isEqualTo(routing);
    }
}

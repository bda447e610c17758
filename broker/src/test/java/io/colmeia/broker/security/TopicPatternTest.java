package io.colmeia.broker.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TopicPatternTest {

    @Test
    void aGrantCoversOnlyFiltersThatCanNeverMatchOutsideIt() {
        assertThat(TopicPattern.covers("no1/#", "no1/#")).isTrue();
        assertThat(TopicPattern.covers("no1/#", "no1")).isTrue();
        assertThat(TopicPattern.covers("no1/#", "no1/sala/+")).isTrue();
        assertThat(TopicPattern.covers("no1/#", "#")).isFalse();
        assertThat(TopicPattern.covers("no1/#", "+/sala")).isFalse();
        assertThat(TopicPattern.covers("no1/#", "no2/sala")).isFalse();
        assertThat(TopicPattern.covers("+/sala/#", "no1/sala/temperatura")).isTrue();
        assertThat(TopicPattern.covers("+/sala/#", "+/sala/#")).isTrue();
        assertThat(TopicPattern.covers("+/sala", "+/sala/x")).isFalse();
        assertThat(TopicPattern.covers("a/b", "a/+")).isFalse();
    }

    @Test
    void wildcardGrantsDoNotReachDollarTopics() {
        assertThat(TopicPattern.covers("#", "$SYS/broker")).isFalse();
        assertThat(TopicPattern.matches("+/x", "$SYS/x")).isFalse();
        assertThat(TopicPattern.covers("$SYS/#", "$SYS/broker")).isTrue();
    }

    @Test
    void substitutionNeverWidensAGrant() {
        assertThat(TopicPattern.substitute("+/%u/#", "sala", "esp-1")).isEqualTo("+/sala/#");
        assertThat(TopicPattern.substitute("dev/%c", "sala", "esp-1")).isEqualTo("dev/esp-1");
        assertThat(TopicPattern.substitute("dev/%c", "sala", "#")).isNull();
        assertThat(TopicPattern.substitute("dev/%c", "sala", "a/b")).isNull();
        assertThat(TopicPattern.substitute("dev/%c", "sala", "+")).isNull();
        assertThat(TopicPattern.substitute("dev/%c", "sala", "")).isNull();
    }

    @Test
    void malformedPatternsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> TopicPattern.validate("a/#/b")).hasMessageContaining("'#' must be a whole last level");
        assertThatThrownBy(() -> TopicPattern.validate("a/b+")).hasMessageContaining("'+' must be a whole level");
        assertThatThrownBy(() -> TopicPattern.validate("a/%x")).hasMessageContaining("only %u and %c");
        assertThatThrownBy(() -> TopicPattern.validate("")).hasMessageContaining("empty");
    }

    @Test
    void aSharedSubscriptionIsCheckedAsItsFilter() {
        assertThat(ClientAccess.withoutSharePrefix("$share/g/no1/#")).isEqualTo("no1/#");
        assertThat(ClientAccess.withoutSharePrefix("$share/g")).isNull();
        assertThat(ClientAccess.withoutSharePrefix("no1/#")).isEqualTo("no1/#");
    }
}

package io.colmeia.emulator.subscriber;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TopicFilterTest {

    @Test
    void wildcardsMatchLikeMqtt() {
        assertThat(TopicFilter.matches("#", "no1/sala/temperatura")).isTrue();
        assertThat(TopicFilter.matches("no1/#", "no1/sala/temperatura")).isTrue();
        assertThat(TopicFilter.matches("no1/#", "no1")).isTrue();
        assertThat(TopicFilter.matches("no1/#", "no10/sala/temperatura")).isFalse();
        assertThat(TopicFilter.matches("+/+/temperatura", "no7/quarto/temperatura")).isTrue();
        assertThat(TopicFilter.matches("+/+/temperatura", "no7/quarto/status")).isFalse();
        assertThat(TopicFilter.matches("+/sala", "no1/sala/temperatura")).isFalse();
        assertThat(TopicFilter.matches("#", "$SYS/broker")).isFalse();
    }

    @Test
    void malformedFiltersAreExplained() {
        assertThat(TopicFilter.validate("no1/#")).isNull();
        assertThat(TopicFilter.validate("no1/#/x")).contains("#");
        assertThat(TopicFilter.validate("no1/sa+")).contains("+");
        assertThat(TopicFilter.validate("")).isEqualTo("is empty");
    }
}

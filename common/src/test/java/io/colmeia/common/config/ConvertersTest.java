package io.colmeia.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class ConvertersTest {

    @Test
    void readsDurationsWithUnits() {
        assertThat(Converters.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Converters.parseDuration("10s")).isEqualTo(Duration.ofSeconds(10));
        assertThat(Converters.parseDuration("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Converters.parseDuration("1h")).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void rejectsDurationsWithoutUnitOrWithGarbage() {
        assertThatThrownBy(() -> Converters.parseDuration("10")).isInstanceOf(TypeConversionException.class);
        assertThatThrownBy(() -> Converters.parseDuration("-1s")).isInstanceOf(TypeConversionException.class);
        assertThatThrownBy(() -> Converters.parseDuration("99999999999999999999s"))
                .isInstanceOf(TypeConversionException.class);
    }

    @Test
    void formatsDurationsAsTheyAreRead() {
        for (String text : new String[] {"500ms", "10s", "2m", "1h", "1500ms"}) {
            assertThat(Converters.formatDuration(Converters.parseDuration(text))).isEqualTo(text);
        }
    }
}

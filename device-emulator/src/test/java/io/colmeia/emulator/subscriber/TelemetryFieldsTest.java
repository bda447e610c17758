package io.colmeia.emulator.subscriber;

import static org.assertj.core.api.Assertions.assertThat;

import io.colmeia.emulator.device.SensorModel;
import io.colmeia.emulator.device.TelemetryPayload;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TelemetryFieldsTest {

    @Test
    void readsMacSeqAndSendTimeFromAnEmulatorPayload() {
        byte[] p = TelemetryPayload.encode("A0:20:A6:15:F5:B5", 1511400053L, new SensorModel.Reading(24, 32, 847),
                42, 1511400053000123L);
        assertThat(TelemetryFields.parse(p))
                .isEqualTo(new TelemetryFields("A0:20:A6:15:F5:B5", 42, 1511400053000123L));
    }

    @Test
    void statusAndForeignPayloadsAreNotTelemetry() {
        assertThat(TelemetryFields.parse("online".getBytes(StandardCharsets.US_ASCII))).isNull();
        assertThat(TelemetryFields.parse(new byte[0])).isNull();
        assertThat(TelemetryFields.parse(("{\"Mac\":\"A0:20:A6:15:F5:B5\",\"Data\":\"1\",\"Temperatura\":1.00}")
                .getBytes(StandardCharsets.US_ASCII))).isNull();
        assertThat(TelemetryFields.parse("{\"Mac\":\"\",\"seq\":1,\"sentAtUs\":1}".getBytes(StandardCharsets.US_ASCII)))
                .isNull();
    }
}

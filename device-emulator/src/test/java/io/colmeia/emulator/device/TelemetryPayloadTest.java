package io.colmeia.emulator.device;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TelemetryPayloadTest {

    private static final String SEED =
            "{\"Mac\":\"A0:20:A6:15:F5:B5\",\"Data\":\"1511400053\",\"Temperatura\":24.00,\"Umidade\":32.00,"
                    + "\"Luminosidade\":847}";

    @Test
    void seedFieldsAreByteForByteTheFirmwareFormat() {
        assertThat(TelemetryPayload.seed("A0:20:A6:15:F5:B5", 1511400053L, 24.0, 32.0, 847)).isEqualTo(SEED);
    }

    @Test
    void fullPayloadIsTheSeedFollowedBySeqAndSendTime() {
        byte[] payload = TelemetryPayload.encode("A0:20:A6:15:F5:B5", 1511400053L,
                new SensorModel.Reading(24.0, 32.0, 847), 7, 1511400053123456L);
        assertThat(new String(payload, StandardCharsets.US_ASCII)).isEqualTo(
                SEED.substring(0, SEED.length() - 1) + ",\"seq\":7,\"sentAtUs\":1511400053123456}");
    }

    @Test
    void twoDecimalsAreAlwaysWritten() {
        assertThat(format(24)).isEqualTo("24.00");
        assertThat(format(21.5)).isEqualTo("21.50");
        assertThat(format(0.07)).isEqualTo("0.07");
        assertThat(format(-3.5)).isEqualTo("-3.50");
        assertThat(format(99.999)).isEqualTo("100.00");
    }

    @Test
    void macComesFromThePrefixAndTheDeviceNumber() {
        DeviceIdentity id = DeviceIdentity.of(0x15F5B5, "A0:20:A6", "no{n}/{room}/temperatura");
        assertThat(id.mac()).isEqualTo("A0:20:A6:15:F5:B5");
        assertThat(id.clientId()).isEqualTo("esp8266-A020A615F5B5");
    }

    @Test
    void deviceOneTalksToTheSeedTopicAndStatusNextToIt() {
        DeviceIdentity id = DeviceIdentity.of(1, "A0:20:A6", "no{n}/{room}/temperatura");
        assertThat(id.telemetryTopic()).isEqualTo("no1/sala/temperatura");
        assertThat(id.statusTopic()).isEqualTo("no1/sala/status");
        assertThat(DeviceIdentity.of(2, "A0:20:A6", "no{n}/{room}/temperatura").telemetryTopic())
                .isEqualTo("no2/quarto/temperatura");
    }

    @Test
    void drivingReadingsStayPlausibleAndParseAsTheSeedShape() throws Exception {
        SensorModel model = new SensorModel(42);
        ObjectMapper json = new ObjectMapper();
        List<Double> temperatures = new ArrayList<>();
        long t = 1_700_000_000L;
        for (int i = 0; i < 2000; i++, t += 10) {
            SensorModel.Reading r = model.read(t);
            byte[] payload = TelemetryPayload.encode("A0:20:A6:00:00:01", t, r, i + 1, t * 1_000_000L);
            JsonNode node = json.readTree(payload);
            assertThat(node.get("Mac").asText()).isEqualTo("A0:20:A6:00:00:01");
            assertThat(node.get("Data").isTextual()).isTrue();
            assertThat(node.get("Data").asText()).isEqualTo(Long.toString(t));
            assertThat(node.get("Temperatura").asDouble()).isBetween(10.0, 40.0);
            assertThat(node.get("Umidade").asDouble()).isBetween(0.0, 100.0);
            assertThat(node.get("Luminosidade").isInt()).isTrue();
            assertThat(node.get("Luminosidade").asInt()).isBetween(0, 1023);
            assertThat(node.get("seq").asLong()).isEqualTo(i + 1);
            temperatures.add(r.temperature());
        }
        // drifting: not constant, and no jump bigger than a sensor would make between two readings
        assertThat(temperatures.stream().distinct().count()).isGreaterThan(100);
        for (int i = 1; i < temperatures.size(); i++) {
            assertThat(Math.abs(temperatures.get(i) - temperatures.get(i - 1))).isLessThan(0.5);
        }
    }

    private static String format(double v) {
        StringBuilder sb = new StringBuilder();
        TelemetryPayload.appendTwoDecimals(sb, v);
        return sb.toString();
    }
}

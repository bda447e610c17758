package io.colmeia.persistence.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.colmeia.persistence.TelemetryMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bson.Document;
import org.bson.types.Binary;
import org.junit.jupiter.api.Test;

class TelemetryDecoderTest {

    static final String SEED =
            "{\"Mac\":\"A0:20:A6:15:F5:B5\",\"Data\":\"1511400053\",\"Temperatura\":24.00,\"Umidade\":32.00,"
                    + "\"Luminosidade\":847}";
    static final Instant RECEIVED = Instant.parse("2026-11-23T20:00:00.250Z");

    private final TelemetryDecoder decoder = new TelemetryDecoder(64 * 1024, 32, Duration.ofSeconds(1));

    static TelemetryMessage message(String payload) {
        return message(payload.getBytes(StandardCharsets.UTF_8), RECEIVED);
    }

    static TelemetryMessage message(byte[] payload, Instant receivedAt) {
        return new TelemetryMessage("sensors/esp-1/data", payload, 1, "esp-1", "broker-1", receivedAt);
    }

    private Rejection rejection(String payload) {
        Decoded decoded = decoder.decode(message(payload));
        assertThat(decoded.collection()).isEqualTo("telemetry_rejected");
        assertThat(decoded.rejected()).isTrue();
        Document reason = decoded.document().get("reason", Document.class);
        assertThat(reason.getString("field")).isEqualTo(decoded.rejection().field());
        assertThat(reason.getString("code")).isEqualTo(decoded.rejection().code());
        return decoded.rejection();
    }

    @Test
    void idsGrowWithTheReadingsTimeAndDependOnlyOnTheDedupeInputs() {
        String earlier = decoder.decode(message(SEED)).id();
        String later = decoder.decode(message(SEED.replace("1511400053", "1511400054"))).id();
        String retransmitted = decoder.decode(message(SEED.getBytes(StandardCharsets.UTF_8),
                RECEIVED.plusSeconds(3600))).id();
        assertThat(later).isGreaterThan(earlier);
        assertThat(retransmitted).isEqualTo(earlier);

        byte[] raw = "ON".getBytes(StandardCharsets.UTF_8);
        String first = decoder.decode(message(raw, RECEIVED)).id();
        assertThat(first).startsWith(Long.toHexString(RECEIVED.getEpochSecond()).length() == 8
                ? "00" + Long.toHexString(RECEIVED.getEpochSecond()) : "unexpected");
        assertThat(decoder.decode(message(raw, RECEIVED.plusMillis(500))).id()).isEqualTo(first); // same window
        assertThat(decoder.decode(message(raw, RECEIVED.plusSeconds(1))).id()).isGreaterThan(first);
    }

    @Test
    void seedFormatBecomesTypedDocumentWithDeviceTime() {
        Decoded decoded = decoder.decode(message(SEED));

        assertThat(decoded.rejected()).isFalse();
        assertThat(decoded.collection()).isEqualTo("telemetry");
        Document doc = decoded.document();
        assertThat(doc.getString("_id")).hasSize(42).startsWith("005a162275"); // 1511400053 s in hex, then the hash
        assertThat(doc.getDate("ts")).isEqualTo(Date.from(Instant.ofEpochSecond(1511400053)));
        assertThat(doc.getDate("receivedAt")).isEqualTo(Date.from(RECEIVED));
        assertThat(doc.get("meta", Document.class)).isEqualTo(new Document("device", "A0:20:A6:15:F5:B5")
                .append("clientId", "esp-1").append("topic", "sensors/esp-1/data").append("node", "broker-1"));
        assertThat(doc.getString("mac")).isEqualTo("A0:20:A6:15:F5:B5");
        assertThat(doc.getDouble("temperature")).isEqualTo(24.0);
        assertThat(doc.getDouble("humidity")).isEqualTo(32.0);
        assertThat(doc.getDouble("luminosity")).isEqualTo(847.0);
        assertThat(doc.getString("kind")).isEqualTo("esp8266");
        assertThat(doc).doesNotContainKey("extra");
    }

    @Test
    void seedFormatAcceptsNumericDeviceTimeNumericStringsAndLowerCaseMac() {
        Document doc = decoder.decode(message(
                "{\"Mac\":\"a0-20-a6-15-f5-b5\",\"Data\":1511400053,\"Temperatura\":\"-3.5\",\"Umidade\":0,"
                        + "\"Luminosidade\":0,\"Bateria\":3.1}")).document();

        assertThat(doc.getString("mac")).isEqualTo("A0:20:A6:15:F5:B5");
        assertThat(doc.getDate("ts")).isEqualTo(Date.from(Instant.ofEpochSecond(1511400053)));
        assertThat(doc.getDouble("temperature")).isEqualTo(-3.5);
        assertThat(doc.get("extra", Document.class)).isEqualTo(new Document("Bateria", 3.1));
    }

    @Test
    void seedFormatWithoutDeviceTimeOrWithUnsetClockUsesReceiveTime() {
        for (String data : List.of("", ",\"Data\":\"0\"", ",\"Data\":0", ",\"Data\":null")) {
            Document doc = decoder.decode(message("{\"Mac\":\"A0:20:A6:15:F5:B5\"" + data + ",\"Temperatura\":20}"))
                    .document();
            assertThat(doc.getDate("ts")).as(data).isEqualTo(Date.from(RECEIVED));
            assertThat(doc).as(data).doesNotContainKey("deviceTime");
        }
    }

    @Test
    void otherJsonObjectIsStoredAsDocument() {
        Document doc = decoder.decode(message("{\"state\":\"on\",\"level\":3,\"big\":123456789012345678901234567890,"
                + "\"nested\":{\"a\":[1,2.5,true,null]},\"dotted.key\":1}")).document();

        assertThat(doc.getString("kind")).isEqualTo("json");
        assertThat(doc.getDate("ts")).isEqualTo(Date.from(RECEIVED));
        assertThat(doc.get("meta", Document.class).getString("device")).isEqualTo("esp-1");
        Document data = doc.get("data", Document.class);
        assertThat(data.getString("state")).isEqualTo("on");
        assertThat(data.getInteger("level")).isEqualTo(3);
        assertThat(data.get("big").toString()).isEqualTo("123456789012345678901234567890");
        assertThat(data.get("nested", Document.class).getList("a", Object.class)).containsExactly(1, 2.5, true, null);
        assertThat(data.getInteger("dotted.key")).isEqualTo(1);
    }

    @Test
    void jsonArrayIsStoredUnderData() {
        Document doc = decoder.decode(message("[1, 2, 3]")).document();
        assertThat(doc.getString("kind")).isEqualTo("json");
        assertThat(doc.getList("data", Integer.class)).containsExactly(1, 2, 3);
    }

    @Test
    void nonJsonIsStoredRaw() {
        Document text = decoder.decode(message("23.5")).document();
        assertThat(text.getString("kind")).isEqualTo("raw");
        assertThat(text.get("payload", Binary.class).getData()).isEqualTo("23.5".getBytes(StandardCharsets.UTF_8));
        assertThat(text.getString("text")).isEqualTo("23.5");

        byte[] binary = {(byte) 0xff, 0, (byte) 0xfe, 1};
        Document raw = decoder.decode(message(binary, RECEIVED)).document();
        assertThat(raw.getString("kind")).isEqualTo("raw");
        assertThat(raw.get("payload", Binary.class).getData()).isEqualTo(binary);
        assertThat(raw).doesNotContainKey("text");
    }

    @Test
    void emptyPayloadIsStoredRaw() {
        Document doc = decoder.decode(message("")).document();
        assertThat(doc.getString("kind")).isEqualTo("raw");
    }

    @Test
    void rejectsTooLargePayload() {
        TelemetryDecoder small = new TelemetryDecoder(100, 32, Duration.ofSeconds(1));
        Decoded decoded = small.decode(message("x".repeat(101)));
        assertThat(decoded.rejection()).extracting(Rejection::field, Rejection::code)
                .containsExactly("payload", "too_large");
        assertThat(decoded.document().getInteger("payloadBytes")).isEqualTo(101);
    }

    @Test
    void rejectedRecordKeepsABoundedPrefixOfThePayload() {
        String huge = "{\"Mac\":\"nope\",\"pad\":\"" + "x".repeat(10_000) + "\"}";
        Decoded decoded = decoder.decode(message(huge));
        assertThat(decoded.rejection().code()).isEqualTo("invalid_mac");
        assertThat(decoded.document().get("payload", Binary.class).getData()).hasSize(4096);
        assertThat(decoded.document().getBoolean("truncated")).isTrue();
    }

    @Test
    void rejectsMalformedJson() {
        assertThat(rejection("{\"Mac\": ").code()).isEqualTo("malformed");
        assertThat(rejection("{\"a\":1} trailing").code()).isEqualTo("malformed");
        assertThat(rejection("{\"a\":1,\"a\":2}").code()).isEqualTo("malformed");
        assertThat(rejection("{'a':1}").field()).isEqualTo("json");
    }

    @Test
    void rejectsTooDeepJsonQuickly() {
        TelemetryDecoder roomy = new TelemetryDecoder(1 << 20, 32, Duration.ofSeconds(1));
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        long start = System.nanoTime();
        Rejection r = roomy.decode(message(deep)).rejection();
        assertThat(r).extracting(Rejection::field, Rejection::code).containsExactly("json", "too_deep");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(rejection("{\"a\":".repeat(40) + "1" + "}".repeat(40)).code()).isEqualTo("too_deep");
    }

    @Test
    void rejectsHugeNumbers() {
        assertThat(rejection("{\"n\":" + "9".repeat(1000) + "}").code()).isEqualTo("limit_exceeded");
    }

    @Test
    void rejectsUnstorableFieldNames() {
        assertThat(rejection("{\"$where\":\"1\"}").code()).isEqualTo("bad_field_name");
        assertThat(rejection("{\"a\":{\"b\\u0000c\":1}}").code()).isEqualTo("bad_field_name");
    }

    @Test
    void rejectsSeedFormatWithBadMac() {
        assertThat(rejection("{\"Temperatura\":20}")).extracting(Rejection::field, Rejection::code)
                .containsExactly("Mac", "missing");
        assertThat(rejection("{\"Mac\":\"A0:20:A6:15:F5\",\"Temperatura\":20}"))
                .extracting(Rejection::field, Rejection::code).containsExactly("Mac", "invalid_mac");
        assertThat(rejection("{\"Mac\":12345,\"Temperatura\":20}").code()).isEqualTo("invalid_mac");
        assertThat(rejection("{\"Mac\":\"G0:20:A6:15:F5:B5\"}").code()).isEqualTo("invalid_mac");
    }

    @Test
    void rejectsSeedFormatWithBadDeviceTime() {
        String mac = "{\"Mac\":\"A0:20:A6:15:F5:B5\",";
        assertThat(rejection(mac + "\"Data\":\"yesterday\"}")).extracting(Rejection::field, Rejection::code)
                .containsExactly("Data", "not_numeric");
        assertThat(rejection(mac + "\"Data\":\"12345\"}")).extracting(Rejection::field, Rejection::code)
                .containsExactly("Data", "absurd_timestamp");
        long future = RECEIVED.plus(Duration.ofDays(2)).getEpochSecond();
        assertThat(rejection(mac + "\"Data\":" + future + "}").code()).isEqualTo("absurd_timestamp");
        assertThat(rejection(mac + "\"Data\":-5}").code()).isEqualTo("absurd_timestamp");
        assertThat(rejection(mac + "\"Data\":1.5e9}").code()).isEqualTo("not_numeric");
    }

    @Test
    void rejectsSeedFormatWithNonNumericOrAbsurdReadings() {
        String mac = "{\"Mac\":\"A0:20:A6:15:F5:B5\",";
        assertThat(rejection(mac + "\"Temperatura\":\"hot\"}")).extracting(Rejection::field, Rejection::code)
                .containsExactly("Temperatura", "not_numeric");
        assertThat(rejection(mac + "\"Umidade\":true}")).extracting(Rejection::field, Rejection::code)
                .containsExactly("Umidade", "not_numeric");
        assertThat(rejection(mac + "\"Luminosidade\":{\"v\":1}}")).extracting(Rejection::field, Rejection::code)
                .containsExactly("Luminosidade", "not_numeric");
        assertThat(rejection(mac + "\"Umidade\":120}")).extracting(Rejection::field, Rejection::code)
                .containsExactly("Umidade", "out_of_range");
        assertThat(rejection(mac + "\"Temperatura\":1e300}").code()).isEqualTo("out_of_range");
    }

    @Test
    void idIsDeterministicForRetransmissions() {
        Decoded first = decoder.decode(message(SEED));
        Decoded again = decoder.decode(message(SEED.getBytes(StandardCharsets.UTF_8),
                RECEIVED.plus(Duration.ofMinutes(5))));
        assertThat(again.id()).isEqualTo(first.id());

        Decoded otherClient = decoder.decode(new TelemetryMessage("sensors/esp-1/data",
                SEED.getBytes(StandardCharsets.UTF_8), 1, "esp-2", "broker-2", RECEIVED));
        assertThat(otherClient.id()).isNotEqualTo(first.id());
    }

    @Test
    void idWithoutDeviceTimeDependsOnTheReceiveWindow() {
        byte[] on = "ON".getBytes(StandardCharsets.UTF_8);
        Instant windowStart = Instant.parse("2026-11-23T20:00:00Z");
        String a = decoder.decode(message(on, windowStart.plusMillis(100))).id();
        String b = decoder.decode(message(on, windowStart.plusMillis(900))).id();
        String c = decoder.decode(message(on, windowStart.plusMillis(1100))).id();
        assertThat(a).isEqualTo(b);
        assertThat(c).isNotEqualTo(a);
    }

    @Test
    void messageValidatesItsFields() {
        assertThatThrownBy(() -> new TelemetryMessage("t", new byte[0], 3, "c", "n", RECEIVED))
                .isInstanceOf(IllegalArgumentException.class);
    }
}

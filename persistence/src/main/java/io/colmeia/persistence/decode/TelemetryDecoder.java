package io.colmeia.persistence.decode;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.colmeia.persistence.TelemetryMessage;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.bson.Document;
import org.bson.types.Binary;
import org.bson.types.Decimal128;

/**
 * Turns a received PUBLISH into the document to store: a pure function of the message and the limits
 * (no I/O, no clock), safe on any thread, bounded work for hostile input.
 *
 * <ul>
 *   <li>The ESP8266 seed format ({@code {"Mac":..,"Data":..,"Temperatura":..,"Umidade":..,"Luminosidade":..}})
 *       becomes a typed document: {@code mac}, {@code temperature}, {@code humidity}, {@code luminosity};
 *       {@code ts} is the device time ({@code Data}, epoch seconds) when present, else the receive time.
 *       A payload that has any of those fields claims to be such telemetry and must be valid, else it is
 *       rejected with the field and the reason.</li>
 *   <li>Any other JSON object or array is stored under {@code data}.</li>
 *   <li>Anything that does not start like JSON is stored raw under {@code payload} (and {@code text} when it
 *       is short UTF-8).</li>
 *   <li>Rejected: too large, malformed or too deep JSON, unstorable field names, invalid seed fields.</li>
 * </ul>
 */
public final class TelemetryDecoder {

    public static final String TELEMETRY = "telemetry";
    public static final String REJECTED = "telemetry_rejected";

    /** Device times before this are a clock that was never set or garbage. */
    static final Instant EARLIEST_DEVICE_TIME = Instant.parse("2000-01-01T00:00:00Z");
    /** Device clocks ahead of the receive time by more than this are absurd. */
    static final Duration MAX_CLOCK_AHEAD = Duration.ofDays(1);
    /** Bytes of an invalid payload kept in its rejection record. */
    static final int REJECTED_PAYLOAD_KEPT = 4096;
    static final int TEXT_COPY_LIMIT = 1024;
    static final int DETAIL_LIMIT = 200;

    private static final Set<String> SEED_FIELDS = Set.of("Mac", "Data", "Temperatura", "Umidade", "Luminosidade");
    private static final Pattern MAC = Pattern.compile("[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5}");
    private static final Pattern DECIMAL = Pattern.compile("[-+]?\\d{1,15}(?:\\.\\d{1,15})?");

    private final int maxPayloadBytes;
    private final Duration dedupeWindow;
    private final ObjectMapper json;

    public TelemetryDecoder(int maxPayloadBytes, int maxJsonDepth, Duration dedupeWindow) {
        if (maxPayloadBytes < 1) {
            throw new IllegalArgumentException("maxPayloadBytes must be positive");
        }
        if (maxJsonDepth < 1) {
            throw new IllegalArgumentException("maxJsonDepth must be positive");
        }
        this.maxPayloadBytes = maxPayloadBytes;
        this.dedupeWindow = dedupeWindow;
        StreamReadConstraints limits = StreamReadConstraints.builder()
                .maxNestingDepth(maxJsonDepth)
                .maxDocumentLength(maxPayloadBytes)
                .maxStringLength(maxPayloadBytes)
                .maxNumberLength(64)
                .maxNameLength(1024)
                .build();
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(limits)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        this.json = JsonMapper.builder(factory)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .build();
    }

    public Decoded decode(TelemetryMessage message) {
        byte[] payload = message.payload();
        if (payload.length > maxPayloadBytes) {
            return reject(message, new Rejection("payload", "too_large",
                    payload.length + " bytes is more than the limit of " + maxPayloadBytes));
        }
        if (!looksLikeJson(payload)) {
            return raw(message);
        }
        JsonNode root;
        try {
            root = json.readTree(payload);
        } catch (StreamConstraintsException e) {
            String code = e.getMessage() != null && e.getMessage().contains("nesting depth") ? "too_deep" : "limit_exceeded";
            return reject(message, new Rejection("json", code, firstLine(e.getOriginalMessage())));
        } catch (JsonProcessingException e) {
            return reject(message, new Rejection("json", "malformed", firstLine(e.getOriginalMessage())));
        } catch (IOException e) {
            return reject(message, new Rejection("json", "malformed", firstLine(e.getMessage())));
        }
        if (root == null || root.isMissingNode()) {
            return reject(message, new Rejection("json", "malformed", "no JSON value"));
        }
        if (root.isObject() && claimsSeedFormat(root)) {
            return seed(message, root);
        }
        Object data;
        try {
            data = toBson(root);
        } catch (UnstorableName e) {
            return reject(message, new Rejection("json", "bad_field_name", e.getMessage()));
        }
        Document doc = base(message, idWithoutDeviceTime(message), message.receivedAt(), message.clientId());
        doc.append("kind", "json").append("data", data);
        return new Decoded(TELEMETRY, doc, null);
    }

    // --- ESP8266 seed format -------------------------------------------------------------------------------

    private static boolean claimsSeedFormat(JsonNode root) {
        for (String field : SEED_FIELDS) {
            if (root.has(field)) {
                return true;
            }
        }
        return false;
    }

    private Decoded seed(TelemetryMessage message, JsonNode root) {
        JsonNode macNode = root.get("Mac");
        if (macNode == null || macNode.isNull()) {
            return reject(message, new Rejection("Mac", "missing", "the device MAC address is required"));
        }
        if (!macNode.isTextual() || !MAC.matcher(macNode.asText()).matches()) {
            return reject(message, new Rejection("Mac", "invalid_mac",
                    "'" + shorten(macNode.toString()) + "' is not a MAC address like A0:20:A6:15:F5:B5"));
        }
        String mac = macNode.asText().replace('-', ':').toUpperCase(java.util.Locale.ROOT);

        Instant deviceTime = null;
        JsonNode data = root.get("Data");
        if (data != null && !data.isNull() && !(data.isTextual() && data.asText().isBlank())) {
            Long seconds = epochSeconds(data);
            if (seconds == null) {
                return reject(message, new Rejection("Data", "not_numeric",
                        "'" + shorten(data.toString()) + "' is not a time in epoch seconds"));
            }
            if (seconds != 0) {
                Instant latest = message.receivedAt().plus(MAX_CLOCK_AHEAD);
                if (seconds < EARLIEST_DEVICE_TIME.getEpochSecond() || seconds > latest.getEpochSecond()) {
                    return reject(message, new Rejection("Data", "absurd_timestamp", seconds
                            + " is outside " + EARLIEST_DEVICE_TIME + " .. receive time + 1 day"));
                }
                deviceTime = Instant.ofEpochSecond(seconds);
            }
        }

        Document readings = new Document();
        Rejection bad = reading(root, "Temperatura", "temperature", -80, 150, readings);
        if (bad == null) {
            bad = reading(root, "Umidade", "humidity", 0, 100, readings);
        }
        if (bad == null) {
            bad = reading(root, "Luminosidade", "luminosity", 0, 1_000_000, readings);
        }
        if (bad != null) {
            return reject(message, bad);
        }
        Document extra = new Document();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (!SEED_FIELDS.contains(field.getKey())) {
                try {
                    extra.append(storableName(field.getKey()), toBson(field.getValue()));
                } catch (UnstorableName e) {
                    return reject(message, new Rejection("json", "bad_field_name", e.getMessage()));
                }
            }
        }

        String id = deviceTime != null
                ? DocumentIds.withDeviceTime(message.clientId(), message.topic(), message.payload(), deviceTime)
                : idWithoutDeviceTime(message);
        Document doc = base(message, id, deviceTime != null ? deviceTime : message.receivedAt(), mac);
        doc.append("kind", "esp8266").append("mac", mac);
        if (deviceTime != null) {
            doc.append("deviceTime", Date.from(deviceTime));
        }
        doc.putAll(readings);
        if (!extra.isEmpty()) {
            doc.append("extra", extra);
        }
        return new Decoded(TELEMETRY, doc, null);
    }

    /** Epoch seconds from a JSON integer or a string of digits; null when it is neither. */
    private static Long epochSeconds(JsonNode node) {
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return node.asLong();
        }
        if (node.isTextual()) {
            String text = node.asText().trim();
            if (text.matches("\\d{1,18}")) {
                return Long.parseLong(text);
            }
        }
        return null;
    }

    private static Rejection reading(JsonNode root, String field, String name, double min, double max,
                                     Document out) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        Double value = null;
        if (node.isNumber()) {
            value = node.asDouble();
        } else if (node.isTextual() && DECIMAL.matcher(node.asText().trim()).matches()) {
            value = Double.parseDouble(node.asText().trim());
        }
        if (value == null || value.isNaN() || value.isInfinite()) {
            return new Rejection(field, "not_numeric", "'" + shorten(node.toString()) + "' is not a number");
        }
        if (value < min || value > max) {
            return new Rejection(field, "out_of_range", value + " is outside " + min + " .. " + max);
        }
        out.append(name, value);
        return null;
    }

    // --- generic JSON and raw ------------------------------------------------------------------------------

    private static boolean looksLikeJson(byte[] payload) {
        for (byte b : payload) {
            if (b == ' ' || b == '\t' || b == '\r' || b == '\n') {
                continue;
            }
            return b == '{' || b == '[';
        }
        return false;
    }

    private Decoded raw(TelemetryMessage message) {
        Document doc = base(message, idWithoutDeviceTime(message), message.receivedAt(), message.clientId());
        doc.append("kind", "raw").append("payload", new Binary(message.payload()));
        String text = utf8(message.payload());
        if (text != null && message.payload().length <= TEXT_COPY_LIMIT && text.indexOf('\0') < 0) {
            doc.append("text", text);
        }
        return new Decoded(TELEMETRY, doc, null);
    }

    private static final class UnstorableName extends Exception {
        UnstorableName(String message) {
            super(message, null, false, false);
        }
    }

    private static String storableName(String name) throws UnstorableName {
        if (name.indexOf('\0') >= 0) {
            throw new UnstorableName("a field name contains a NUL character");
        }
        if (name.startsWith("$")) {
            throw new UnstorableName("field name '" + shorten(name) + "' starts with '$'");
        }
        return name;
    }

    /** JSON to BSON values. Recursion depth is bounded by the parser's nesting limit. */
    private static Object toBson(JsonNode node) throws UnstorableName {
        switch (node.getNodeType()) {
            case OBJECT -> {
                Document doc = new Document();
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> field = it.next();
                    doc.append(storableName(field.getKey()), toBson(field.getValue()));
                }
                return doc;
            }
            case ARRAY -> {
                List<Object> list = new ArrayList<>(node.size());
                for (JsonNode element : node) {
                    list.add(toBson(element));
                }
                return list;
            }
            case STRING -> {
                return node.textValue();
            }
            case BOOLEAN -> {
                return node.booleanValue();
            }
            case NUMBER -> {
                return number(node);
            }
            default -> {
                return null;
            }
        }
    }

    private static Object number(JsonNode node) {
        if (node.isInt()) {
            return node.intValue();
        }
        if (node.isLong()) {
            return node.longValue();
        }
        if (node.isBigInteger()) {
            BigInteger big = node.bigIntegerValue();
            if (big.abs().toString().length() <= 34) {
                return new Decimal128(new BigDecimal(big));
            }
            return big.toString();
        }
        return node.doubleValue();
    }

    // --- documents ------------------------------------------------------------------------------------------

    private String idWithoutDeviceTime(TelemetryMessage message) {
        return DocumentIds.withReceiveWindow(message.clientId(), message.topic(), message.payload(),
                message.receivedAt(), dedupeWindow);
    }

    private static Document base(TelemetryMessage message, String id, Instant ts, String device) {
        return new Document("_id", id)
                .append("ts", Date.from(ts))
                .append("receivedAt", Date.from(message.receivedAt()))
                .append("meta", new Document("device", device)
                        .append("clientId", message.clientId())
                        .append("topic", message.topic())
                        .append("node", message.node()))
                .append("qos", message.qos());
    }

    private Decoded reject(TelemetryMessage message, Rejection rejection) {
        byte[] payload = message.payload();
        byte[] kept = payload.length <= REJECTED_PAYLOAD_KEPT ? payload : Arrays.copyOf(payload, REJECTED_PAYLOAD_KEPT);
        Document doc = base(message, idWithoutDeviceTime(message), message.receivedAt(), message.clientId());
        doc.append("reason", new Document("field", rejection.field())
                        .append("code", rejection.code())
                        .append("detail", rejection.detail()))
                .append("payload", new Binary(kept))
                .append("payloadBytes", payload.length)
                .append("truncated", kept.length < payload.length);
        return new Decoded(REJECTED, doc, rejection);
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "unreadable";
        }
        int nl = text.indexOf('\n');
        return shorten(nl < 0 ? text : text.substring(0, nl));
    }

    static String shorten(String text) {
        return text.length() <= DETAIL_LIMIT ? text : text.substring(0, DETAIL_LIMIT) + "...";
    }
}

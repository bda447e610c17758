package io.colmeia.ingress.connect;

import static org.assertj.core.api.Assertions.assertThat;

import io.colmeia.ingress.support.Packets;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class ConnectParserTest {

    private static ConnectParser.Result parse(byte[] frame) {
        ByteBuf buf = Unpooled.wrappedBuffer(frame);
        try {
            ConnectParser.Result result = ConnectParser.parse(buf);
            assertThat(buf.refCnt()).as("the caller keeps its buffer").isEqualTo(1);
            assertThat(buf.readerIndex()).as("indexes untouched").isZero();
            return result;
        } finally {
            buf.release();
        }
    }

    private static ConnectInfo parsed(byte[] frame) {
        ConnectParser.Result result = parse(frame);
        assertThat(result).isInstanceOf(ConnectParser.Result.Parsed.class);
        return ((ConnectParser.Result.Parsed) result).connect();
    }

    @ParameterizedTest
    @EnumSource(MqttVersion.class)
    void parses_a_simple_connect_of_every_version(MqttVersion version) {
        ConnectInfo info = parsed(Packets.simpleConnect(version, "esp8266-a1b2c3"));
        assertThat(info.version()).isEqualTo(version);
        assertThat(info.clientId()).isEqualTo("esp8266-a1b2c3");
        assertThat(info.username()).isNull();
        assertThat(info.keepAliveSeconds()).isEqualTo(30);
        assertThat(info.cleanSession()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(MqttVersion.class)
    void parses_will_username_password_and_properties(MqttVersion version) {
        ConnectInfo info = parsed(Packets.fullConnect(version, "node-red-1"));
        assertThat(info.version()).isEqualTo(version);
        assertThat(info.clientId()).isEqualTo("node-red-1");
        assertThat(info.username()).isEqualTo("sensor-user");
        assertThat(info.keepAliveSeconds()).isEqualTo(60);
    }

    @ParameterizedTest
    @EnumSource(value = MqttVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
    void accepts_an_empty_client_id_where_the_protocol_allows_it(MqttVersion version) {
        ConnectInfo info = parsed(Packets.simpleConnect(version, ""));
        assertThat(info.clientId()).isEmpty();
        assertThat(info.hasClientId()).isFalse();
    }

    @Test
    void accepts_mqtt_3_1_client_ids_longer_than_23_characters_as_brokers_do() {
        String longId = "x".repeat(100);
        ConnectInfo info = parsed(Packets.mqtt31Connect(longId));
        assertThat(info.version()).isEqualTo(MqttVersion.MQTT_3_1);
        assertThat(info.clientId()).isEqualTo(longId);
    }

    @Test
    void keeps_utf8_client_ids_intact() {
        assertThat(parsed(Packets.simpleConnect(MqttVersion.MQTT_3_1_1, "estufa-ção-ü")).clientId())
                .isEqualTo("estufa-ção-ü");
    }

    static Stream<Arguments> malformed() {
        byte[] good = Packets.simpleConnect(MqttVersion.MQTT_3_1_1, "abc");
        byte[] badName = good.clone();
        badName[4] = 'X'; // "MQTT" -> "XQTT"
        byte[] badLevel = good.clone();
        badLevel[8] = 9; // protocol level 9
        byte[] reservedFlag = good.clone();
        reservedFlag[9] |= 0x01; // connect flags reserved bit
        byte[] clientIdTooLong = good.clone();
        clientIdTooLong[13] = 50; // client id length 50 > bytes present
        byte[] willQos3 = good.clone();
        willQos3[9] |= 0x04 | 0x18; // will flag with QoS 3
        byte[] passwordWithoutUser = good.clone();
        passwordWithoutUser[9] |= 0x40;
        byte[] extraTrailing = Packets.concat(new byte[] {0x10, (byte) (good[1] + 2)},
                Arrays.copyOfRange(good, 2, good.length), new byte[] {0, 0});
        return Stream.of(
                Arguments.of("unknown protocol name", badName),
                Arguments.of("unknown protocol level", badLevel),
                Arguments.of("reserved connect flag set", reservedFlag),
                Arguments.of("client id runs past the end", clientIdTooLong),
                Arguments.of("will QoS 3", willQos3),
                Arguments.of("password flag without user flag (3.1.1)", passwordWithoutUser),
                Arguments.of("bytes left after the payload", extraTrailing),
                Arguments.of("empty body", new byte[] {0x10, 0x00}),
                Arguments.of("only the protocol name", new byte[] {0x10, 0x06, 0, 4, 'M', 'Q', 'T', 'T'}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void rejects_malformed_connects(String what, byte[] frame) {
        ConnectParser.Result result = parse(frame);
        assertThat(result).as(what).isInstanceOf(ConnectParser.Result.Rejected.class);
        assertThat(((ConnectParser.Result.Rejected) result).reason()).isEqualTo(ConnectRejection.MALFORMED);
    }

    @Test
    void rejects_an_empty_client_id_in_mqtt_3_1() {
        assertThat(parse(Packets.mqtt31Connect(""))).isInstanceOf(ConnectParser.Result.Rejected.class);
    }

    @Test
    void rejects_a_frame_that_is_not_a_connect() {
        byte[] publish = {0x30, 0x05, 0x00, 0x01, 't', 'h', 'i'};
        assertThat(parse(publish)).isInstanceOf(ConnectParser.Result.Rejected.class);
    }

    @Test
    void conn_ack_server_unavailable_speaks_the_clients_version() {
        assertThat(ConnAck.serverUnavailable(MqttVersion.MQTT_3_1_1)).containsExactly(0x20, 0x02, 0x00, 0x03);
        assertThat(ConnAck.serverUnavailable(MqttVersion.MQTT_3_1)).containsExactly(0x20, 0x02, 0x00, 0x03);
        assertThat(ConnAck.serverUnavailable(MqttVersion.MQTT_5))
                .containsExactly(0x20, 0x03, 0x00, 0x88, 0x00);
    }

    @Test
    void the_username_is_read_as_utf8() {
        byte[] frame = Packets.encode(Packets.connect(MqttVersion.MQTT_5, "c").hasUser(true)
                .username("usuário").build());
        assertThat(parsed(frame).username()).isEqualTo("usuário");
    }
}

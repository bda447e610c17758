package io.colmeia.emulator.mqtt;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttSubscribePayload;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.util.List;

/** MQTT 3.1.1 packets a client sends, built with netty-codec-mqtt's types. */
final class Packets {

    static final MqttMessage PINGREQ = new MqttMessage(
            new MqttFixedHeader(MqttMessageType.PINGREQ, false, MqttQoS.AT_MOST_ONCE, false, 0));
    static final MqttMessage DISCONNECT = new MqttMessage(
            new MqttFixedHeader(MqttMessageType.DISCONNECT, false, MqttQoS.AT_MOST_ONCE, false, 0));

    private Packets() {
    }

    static MqttConnectMessage connect(ClientSettings s) {
        MqttMessageBuilders.ConnectBuilder b = MqttMessageBuilders.connect()
                .protocolVersion(MqttVersion.MQTT_3_1_1)
                .clientId(s.clientId())
                .cleanSession(s.cleanSession())
                .keepAlive((int) s.keepAlive().toSeconds());
        if (s.will() != null) {
            b.willFlag(true)
                    .willTopic(s.will().topic())
                    .willMessage(s.will().payload())
                    .willQoS(MqttQoS.valueOf(s.will().qos()))
                    .willRetain(s.will().retain());
        }
        return b.build();
    }

    static MqttPublishMessage publish(String topic, byte[] payload, int qos, boolean retain, int packetId,
                                      boolean dup) {
        return new MqttPublishMessage(
                new MqttFixedHeader(MqttMessageType.PUBLISH, dup, MqttQoS.valueOf(qos), retain, 0),
                new MqttPublishVariableHeader(topic, qos == 0 ? -1 : packetId),
                Unpooled.wrappedBuffer(payload));
    }

    static MqttMessage ack(MqttMessageType type, int packetId) {
        // PUBREL carries flags 0010 (QoS 1 in the fixed header); PUBACK, PUBREC and PUBCOMP carry 0000.
        MqttQoS qos = type == MqttMessageType.PUBREL ? MqttQoS.AT_LEAST_ONCE : MqttQoS.AT_MOST_ONCE;
        return new MqttMessage(new MqttFixedHeader(type, false, qos, false, 0),
                MqttMessageIdVariableHeader.from(packetId));
    }

    static MqttSubscribeMessage subscribe(int packetId, String filter, int qos) {
        return new MqttSubscribeMessage(
                new MqttFixedHeader(MqttMessageType.SUBSCRIBE, false, MqttQoS.AT_LEAST_ONCE, false, 0),
                MqttMessageIdVariableHeader.from(packetId),
                new MqttSubscribePayload(List.of(new MqttTopicSubscription(filter, MqttQoS.valueOf(qos)))));
    }
}

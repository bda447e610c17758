package io.colmeia.ingress.connect;

import io.netty.handler.codec.mqtt.MqttVersion;

/**
 * The CONNACK the ingress itself sends when it cannot route a client: "server unavailable" in the client's
 * protocol version (3.1/3.1.1 return code 0x03; MQTT 5 reason code 0x88 with empty properties), so the
 * client sees a clear MQTT answer and backs off instead of a bare TCP reset.
 */
public final class ConnAck {

    private ConnAck() {
    }

    public static byte[] serverUnavailable(MqttVersion version) {
        if (version == MqttVersion.MQTT_5) {
            return new byte[] {0x20, 0x03, 0x00, (byte) 0x88, 0x00};
        }
        return new byte[] {0x20, 0x02, 0x00, 0x03};
    }
}

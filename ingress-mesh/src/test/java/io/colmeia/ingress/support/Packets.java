package io.colmeia.ingress.support;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.nio.charset.StandardCharsets;

/** MQTT packets as bytes, encoded by Netty's own MqttEncoder (an independent encoder from our parser). */
public final class Packets {

    private Packets() {
    }

    public static byte[] encode(MqttConnectMessage message) {
        EmbeddedChannel encoder = new EmbeddedChannel(MqttEncoder.INSTANCE);
        try {
            encoder.writeOutbound(message);
            CompositeByteBuf all = Unpooled.compositeBuffer();
            ByteBuf part;
            while ((part = encoder.readOutbound()) != null) {
                all.addComponent(true, part);
            }
            byte[] bytes = ByteBufUtil.getBytes(all);
            all.release();
            return bytes;
        } finally {
            encoder.finishAndReleaseAll();
        }
    }

    public static MqttMessageBuilders.ConnectBuilder connect(MqttVersion version, String clientId) {
        return MqttMessageBuilders.connect().protocolVersion(version).clientId(clientId).cleanSession(true)
                .keepAlive(30);
    }

    public static byte[] simpleConnect(MqttVersion version, String clientId) {
        return encode(connect(version, clientId).build());
    }

    /** A CONNECT with every optional part: will (with MQTT 5 will properties), username, password, properties. */
    public static byte[] fullConnect(MqttVersion version, String clientId) {
        MqttMessageBuilders.ConnectBuilder builder = connect(version, clientId)
                .willFlag(true).willQoS(MqttQoS.AT_LEAST_ONCE).willRetain(true).willTopic("devices/" + clientId)
                .willMessage("gone".getBytes(StandardCharsets.UTF_8))
                .hasUser(true).username("sensor-user").hasPassword(true)
                .password("s3cret".getBytes(StandardCharsets.UTF_8))
                .keepAlive(60);
        if (version == MqttVersion.MQTT_5) {
            MqttProperties props = new MqttProperties();
            props.add(new MqttProperties.IntegerProperty(
                    MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL.value(), 3600));
            props.add(new MqttProperties.IntegerProperty(
                    MqttProperties.MqttPropertyType.RECEIVE_MAXIMUM.value(), 100));
            props.add(new MqttProperties.UserProperty("site", "greenhouse-3"));
            builder.properties(props);
            MqttProperties will = new MqttProperties();
            will.add(new MqttProperties.IntegerProperty(
                    MqttProperties.MqttPropertyType.WILL_DELAY_INTERVAL.value(), 5));
            builder.willProperties(will);
        }
        return encode(builder.build());
    }

    /**
     * A 3.1 CONNECT ("MQIsdp", level 3) encoded by hand, for what Netty's encoder refuses to produce
     * (client ids outside 1..23 characters).
     */
    public static byte[] mqtt31Connect(String clientId) {
        byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        body.writeBytes(new byte[] {0, 6, 'M', 'Q', 'I', 's', 'd', 'p', 3, 0x02, 0, 30});
        body.write(id.length >>> 8);
        body.write(id.length & 0xFF);
        body.writeBytes(id);
        byte[] b = body.toByteArray();
        if (b.length > 127) {
            return concat(new byte[] {0x10, (byte) (0x80 | (b.length & 0x7F)), (byte) (b.length >>> 7)}, b);
        }
        return concat(new byte[] {0x10, (byte) b.length}, b);
    }

    /** A PINGREQ: a valid MQTT packet that is not allowed as the first one. */
    public static byte[] pingreq() {
        return new byte[] {(byte) 0xC0, 0x00};
    }

    public static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] p : parts) {
            length += p.length;
        }
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}

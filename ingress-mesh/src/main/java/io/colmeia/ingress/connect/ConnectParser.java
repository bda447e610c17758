package io.colmeia.ingress.connect;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectPayload;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.ReferenceCountUtil;

/**
 * Decodes one complete CONNECT frame (as delimited by {@link FirstPacketFramer}) with netty-codec-mqtt,
 * which validates protocol name and level (3.1 "MQIsdp"/3, 3.1.1 "MQTT"/4, 5 "MQTT"/5), connect flags,
 * MQTT 5 properties, will, username and password, and that the fields fill the frame exactly.
 *
 * <p>A pure function: it reads a duplicate of the frame (the caller keeps ownership and indexes) and never
 * throws for any input: every failure is a {@link Result.Rejected}.
 */
public final class ConnectParser {

    /** MQTT 3.1 said 23 characters; brokers accept longer ids, and so do we (the codec's default is 23). */
    private static final int MAX_CLIENT_ID_LENGTH = 65535;

    private ConnectParser() {
    }

    /** Outcome of {@link #parse}. */
    public sealed interface Result {
        record Parsed(ConnectInfo connect) implements Result {
        }

        record Rejected(ConnectRejection reason, String detail) implements Result {
        }
    }

    public static Result parse(ByteBuf frame) {
        int size = frame.readableBytes();
        EmbeddedChannel decoder = new EmbeddedChannel(new MqttDecoder(Math.max(size, 1), MAX_CLIENT_ID_LENGTH));
        Object message = null;
        try {
            decoder.writeInbound(frame.retainedDuplicate());
            message = decoder.readInbound();
            if (message == null) {
                return malformed("fields run past the end of the packet");
            }
            if (message instanceof MqttMessage mqtt && mqtt.decoderResult().isFailure()) {
                DecoderResult result = mqtt.decoderResult();
                return malformed(String.valueOf(result.cause().getMessage()));
            }
            if (!(message instanceof MqttConnectMessage connect)) {
                return new Result.Rejected(ConnectRejection.NOT_CONNECT, "first packet is not a CONNECT");
            }
            return toInfo(connect);
        } catch (RuntimeException | Error e) {
            if (e instanceof VirtualMachineError fatal) {
                throw fatal;
            }
            return malformed(e.getClass().getSimpleName() + ": " + e.getMessage());
        } finally {
            ReferenceCountUtil.release(message);
            releaseAll(decoder);
        }
    }

    private static Result toInfo(MqttConnectMessage connect) {
        MqttConnectVariableHeader header = connect.variableHeader();
        MqttConnectPayload payload = connect.payload();
        if (header == null || payload == null || payload.clientIdentifier() == null) {
            return malformed("CONNECT without variable header or client id");
        }
        MqttVersion version;
        try {
            version = MqttVersion.fromProtocolNameAndLevel(header.name(), (byte) header.version());
        } catch (RuntimeException e) {
            return malformed("unknown protocol " + header.name() + " level " + header.version());
        }
        String username = header.hasUserName() ? payload.userName() : null;
        return new Result.Parsed(new ConnectInfo(version, payload.clientIdentifier(), username,
                header.keepAliveTimeSeconds(), header.isCleanSession()));
    }

    private static Result malformed(String detail) {
        return new Result.Rejected(ConnectRejection.MALFORMED, detail);
    }

    private static void releaseAll(EmbeddedChannel decoder) {
        try {
            Object leftover;
            while ((leftover = decoder.readInbound()) != null) {
                ReferenceCountUtil.release(leftover);
            }
            decoder.finishAndReleaseAll();
        } catch (RuntimeException ignored) {
            // the decoder's own failure was already turned into a rejection
        }
    }
}

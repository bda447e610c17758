package io.colmeia.broker.cluster.forward;

import com.hivemq.extension.sdk.api.packets.general.Qos;
import com.hivemq.extension.sdk.api.packets.general.UserProperty;
import com.hivemq.extension.sdk.api.packets.publish.PayloadFormatIndicator;
import com.hivemq.extension.sdk.api.packets.publish.PublishPacket;
import com.hivemq.extension.sdk.api.services.builder.Builders;
import com.hivemq.extension.sdk.api.services.builder.PublishBuilder;
import com.hivemq.extension.sdk.api.services.builder.RetainedPublishBuilder;
import com.hivemq.extension.sdk.api.services.publish.Publish;
import com.hivemq.extension.sdk.api.services.publish.PublishService;
import com.hivemq.extension.sdk.api.services.publish.PublishToClientResult;
import com.hivemq.extension.sdk.api.services.publish.RetainedMessageStore;
import io.colmeia.broker.cluster.link.Message;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local broker as the cluster sees it: forwarded messages are injected with {@link PublishService}, which
 * skips publish inbound interceptors, so a forwarded message is never forwarded again (one hop, no loops).
 */
public final class Delivery implements LocalBroker {

    private static final Logger LOG = LoggerFactory.getLogger(Delivery.class);

    private final PublishService publishService;
    private final RetainedMessageStore retained;
    /** HiveMQ's publish without the extension executor's hand-offs; null = through {@link PublishService}. */
    private final HiveMqPublishPath direct;

    public Delivery(PublishService publishService, RetainedMessageStore retained) {
        this.publishService = publishService;
        this.retained = retained;
        String[] why = {""};
        this.direct = HiveMqPublishPath.of(publishService, why);
        if (direct == null) {
            LOG.warn("cluster: forwarded messages go through PublishService (HiveMQ's extension executor, several"
                    + " thread hand-offs per message): its direct path is not available in this HiveMQ: {}", why[0]);
        }
    }

    /** Delivers to this replica's subscribers; a retained message is also stored (an empty one clears). */
    @Override
    public CompletableFuture<Void> deliver(Message m) {
        Publish publish = build(m, m.topic(), m.retain());
        return direct != null ? direct.publish(publish) : publishService.publish(publish);
    }

    /** True when forwarded messages bypass HiveMQ's extension executor (see {@link HiveMqPublishPath}). */
    @Override
    public boolean direct() {
        return direct != null;
    }

    /** One shared-group member: HiveMQ's own {@code $share} delivery is not involved (see ShareTopics). */
    @Override
    public CompletableFuture<Boolean> deliverTo(Message m, String topic, String clientId) {
        return publishService.publishToClient(build(m, topic, false), clientId)
                .thenApply(r -> r == PublishToClientResult.SUCCESSFUL);
    }

    private static Publish build(Message m, String topic, boolean retain) {
        PublishBuilder b = Builders.publish()
                .topic(topic)
                .qos(Qos.valueOf(m.qos()))
                .retain(retain)
                .payload(ByteBuffer.wrap(m.payload()));
        if (m.contentType() != null) {
            b.contentType(m.contentType());
        }
        if (m.responseTopic() != null) {
            b.responseTopic(m.responseTopic());
        }
        if (m.correlationData() != null) {
            b.correlationData(ByteBuffer.wrap(m.correlationData()));
        }
        if (m.messageExpiry() >= 0) {
            b.messageExpiryInterval(m.messageExpiry());
        }
        if (m.payloadFormat() >= 0) {
            b.payloadFormatIndicator(m.payloadFormat() == 1 ? PayloadFormatIndicator.UTF_8
                    : PayloadFormatIndicator.UNSPECIFIED);
        }
        for (int i = 0; i < m.userProperties().size(); i += 2) {
            b.userProperty(m.userProperties().get(i), m.userProperties().get(i + 1));
        }
        return b.build();
    }

    /** Stores a retained message from a peer's sync unless this replica already has one for the topic. */
    @Override
    public CompletableFuture<Boolean> storeRetainedIfMissing(Message m) {
        return retained.getRetainedMessage(m.topic()).thenCompose(existing -> {
            if (existing.isPresent() || m.payload().length == 0) {
                return CompletableFuture.completedFuture(false);
            }
            RetainedPublishBuilder b = Builders.retainedPublish()
                    .topic(m.topic())
                    .qos(Qos.valueOf(m.qos()))
                    .payload(ByteBuffer.wrap(m.payload()));
            if (m.contentType() != null) {
                b.contentType(m.contentType());
            }
            for (int i = 0; i < m.userProperties().size(); i += 2) {
                b.userProperty(m.userProperties().get(i), m.userProperties().get(i + 1));
            }
            return retained.addOrReplace(b.build()).thenApply(v -> true);
        });
    }

    /** Calls {@code each} with every retained message of this replica (from HiveMQ's iteration threads). */
    @Override
    public CompletableFuture<Void> forEachRetained(Consumer<Message> each) {
        return retained.iterateAllRetainedMessages((context, publish) -> each.accept(toMessage(publish, true)));
    }

    /** A client's PUBLISH as it crosses the link. */
    public static Message fromPacket(PublishPacket p) {
        return new Message(p.getTopic(), p.getQos().getQosNumber(), p.getRetain(), bytes(p.getPayload().orElse(null)),
                p.getContentType().orElse(null), p.getResponseTopic().orElse(null),
                p.getCorrelationData().map(Delivery::bytes).orElse(null),
                p.getMessageExpiryInterval().orElse(-1L),
                p.getPayloadFormatIndicator().map(f -> f == PayloadFormatIndicator.UTF_8 ? 1 : 0).orElse(-1),
                userProperties(p.getUserProperties().asList()));
    }

    private static Message toMessage(Publish p, boolean retain) {
        return new Message(p.getTopic(), p.getQos().getQosNumber(), retain, bytes(p.getPayload().orElse(null)),
                p.getContentType().orElse(null), p.getResponseTopic().orElse(null),
                p.getCorrelationData().map(Delivery::bytes).orElse(null), -1,
                p.getPayloadFormatIndicator().map(f -> f == PayloadFormatIndicator.UTF_8 ? 1 : 0).orElse(-1),
                userProperties(p.getUserProperties().asList()));
    }

    private static List<String> userProperties(List<UserProperty> props) {
        if (props.isEmpty()) {
            return List.of();
        }
        List<String> out = new ArrayList<>(props.size() * 2);
        for (UserProperty p : props) {
            out.add(p.getName());
            out.add(p.getValue());
        }
        return out;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        if (buffer == null) {
            return new byte[0];
        }
        ByteBuffer b = buffer.asReadOnlyBuffer();
        b.rewind();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}

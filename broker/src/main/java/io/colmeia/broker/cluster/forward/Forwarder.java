package io.colmeia.broker.cluster.forward;

import com.hivemq.extension.sdk.api.interceptor.publish.PublishInboundInterceptor;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundInput;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundOutput;
import com.hivemq.extension.sdk.api.packets.publish.PublishPacket;
import io.colmeia.broker.cluster.link.Message;
import java.util.function.Supplier;

/**
 * Sees every PUBLISH a local client sends (publishes injected by the cluster link do not pass here) and hands it
 * to the router, which queues it for each peer that should get it. Never blocks the client's thread.
 */
public final class Forwarder implements PublishInboundInterceptor {

    /** Decides which peers get a message and queues it for them. */
    public interface Router {
        /** {@code message} is built (payload copied) only if some peer gets it. */
        void forward(String topic, boolean retain, Supplier<Message> message);
    }

    private final Router router;

    public Forwarder(Router router) {
        this.router = router;
    }

    @Override
    public void onInboundPublish(PublishInboundInput input, PublishInboundOutput output) {
        PublishPacket packet = input.getPublishPacket();
        router.forward(packet.getTopic(), packet.getRetain(), () -> Delivery.fromPacket(packet));
    }
}

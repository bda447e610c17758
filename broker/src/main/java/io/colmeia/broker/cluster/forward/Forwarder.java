package io.colmeia.broker.cluster.forward;

import com.hivemq.extension.sdk.api.interceptor.publish.PublishInboundInterceptor;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundInput;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundOutput;
import com.hivemq.extension.sdk.api.packets.publish.PublishPacket;

/**
 * Sees every PUBLISH a local client sends (publishes injected by the cluster link do not pass here) and hands it
 * to the router, which queues it for each peer that should get it. Never blocks the client's thread. The fallback
 * when {@link HiveMqPublishTap} cannot be installed: an interceptor costs HiveMQ two thread hand-offs per PUBLISH.
 */
public final class Forwarder implements PublishInboundInterceptor {

    /** Decides which peers get a client's PUBLISH and queues it for them. */
    public interface Router {
        void forward(PublishPacket packet);
    }

    private final Router router;

    public Forwarder(Router router) {
        this.router = router;
    }

    @Override
    public void onInboundPublish(PublishInboundInput input, PublishInboundOutput output) {
        router.forward(input.getPublishPacket());
    }
}

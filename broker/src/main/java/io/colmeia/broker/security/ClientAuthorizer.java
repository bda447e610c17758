package io.colmeia.broker.security;

import com.hivemq.extension.sdk.api.auth.PublishAuthorizer;
import com.hivemq.extension.sdk.api.auth.SubscriptionAuthorizer;
import com.hivemq.extension.sdk.api.auth.parameter.PublishAuthorizerInput;
import com.hivemq.extension.sdk.api.auth.parameter.PublishAuthorizerOutput;
import com.hivemq.extension.sdk.api.auth.parameter.SubscriptionAuthorizerInput;
import com.hivemq.extension.sdk.api.auth.parameter.SubscriptionAuthorizerOutput;
import com.hivemq.extension.sdk.api.packets.publish.AckReasonCode;
import com.hivemq.extension.sdk.api.packets.subscribe.SubackReasonCode;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HiveMQ's authorizer for one client. Subscriptions outside the client's grant get SUBACK "not authorized"
 * (MQTT 5: 0x87 with a reason string; 3.1.1: 0x80). HiveMQ also asks here about the client's will message; a
 * PUBLISH was already checked by {@link PublishGuard} before anything else saw it, and is checked again here.
 * Every decision is explicit: with no decision HiveMQ would deny every subscription.
 */
final class ClientAuthorizer implements PublishAuthorizer, SubscriptionAuthorizer {

    private static final Logger LOG = LoggerFactory.getLogger(ClientAuthorizer.class);
    private static final RateLimitedLog DENIALS = new RateLimitedLog(LOG, Duration.ofSeconds(10));

    private final ClientAccess access;
    private final SecurityMetrics metrics;

    ClientAuthorizer(ClientAccess access, SecurityMetrics metrics) {
        this.access = access;
        this.metrics = metrics;
    }

    @Override
    public void authorizeSubscribe(SubscriptionAuthorizerInput input, SubscriptionAuthorizerOutput output) {
        String filter = input.getSubscription().getTopicFilter();
        if (access.maySubscribe(filter)) {
            output.authorizeSuccessfully();
            return;
        }
        metrics.denied(SecurityMetrics.Action.subscribe);
        DENIALS.warn("denied SUBSCRIBE of {} to '{}'", access.describe(), filter);
        output.failAuthorization(SubackReasonCode.NOT_AUTHORIZED, "not authorized to subscribe to '" + filter + "'");
    }

    @Override
    public void authorizePublish(PublishAuthorizerInput input, PublishAuthorizerOutput output) {
        String topic = input.getPublishPacket().getTopic();
        if (access.mayPublish(topic)) {
            output.authorizeSuccessfully();
            return;
        }
        // PUBLISHes were refused by the guard already: reaching here means a will message (or a grant narrowed
        // in between), which HiveMQ refuses with CONNACK "not authorized"
        metrics.denied(SecurityMetrics.Action.will);
        DENIALS.warn("denied will/PUBLISH of {} to '{}'", access.describe(), topic);
        output.failAuthorization(AckReasonCode.NOT_AUTHORIZED, "not authorized to publish to '" + topic + "'");
    }
}

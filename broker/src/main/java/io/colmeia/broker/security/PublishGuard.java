package io.colmeia.broker.security;

import com.hivemq.extension.sdk.api.interceptor.publish.PublishInboundInterceptor;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundInput;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundOutput;
import com.hivemq.extension.sdk.api.packets.general.Qos;
import com.hivemq.extension.sdk.api.packets.publish.AckReasonCode;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first PUBLISH interceptor of every client. HiveMQ runs inbound interceptors BEFORE its authorizers, and the
 * telemetry tap and the cluster forwarder are interceptors: a publish outside the client's ACL must be stopped
 * here, or it would be stored and sent to peers before HiveMQ refused it. HiveMQ calls no further interceptor once
 * one prevented delivery. A refused publish: MQTT 5 QoS 1/2 gets PUBACK/PUBREC 0x87 (not authorized) with a reason
 * string, MQTT 5 QoS 0 is dropped, MQTT 3.1.1 (no error codes) is disconnected, as HiveMQ does.
 * It also enforces {@code --max-publish-rate}: over the rate, QoS 0 is dropped, QoS 1/2 refused with 0x97 (quota
 * exceeded; 3.1.1 disconnected), so nothing is acknowledged that was not delivered.
 */
final class PublishGuard implements PublishInboundInterceptor {

    private static final Logger LOG = LoggerFactory.getLogger(PublishGuard.class);
    private static final RateLimitedLog DENIALS = new RateLimitedLog(LOG, Duration.ofSeconds(10));
    private static final RateLimitedLog LIMITED = new RateLimitedLog(LOG, Duration.ofSeconds(10));

    private final ClientAccess access;
    private final SecurityMetrics metrics;
    private final TokenBucket rate;

    /** @param rate null for no rate limit */
    PublishGuard(ClientAccess access, SecurityMetrics metrics, TokenBucket rate) {
        this.access = access;
        this.metrics = metrics;
        this.rate = rate;
    }

    @Override
    public void onInboundPublish(PublishInboundInput input, PublishInboundOutput output) {
        String topic = input.getPublishPacket().getTopic();
        if (!access.mayPublish(topic)) {
            metrics.denied(SecurityMetrics.Action.publish);
            DENIALS.warn("denied PUBLISH of {} to '{}'", access.describe(), topic);
            output.preventPublishDelivery(AckReasonCode.NOT_AUTHORIZED, "not authorized to publish to '" + topic + "'");
            return;
        }
        if (rate != null && !rate.tryTake()) {
            metrics.rateLimited();
            LIMITED.warn("{} publishes faster than --max-publish-rate {}/s: refusing", access.describe(),
                    rate.ratePerSecond());
            if (input.getPublishPacket().getQos() == Qos.AT_MOST_ONCE) {
                output.preventPublishDelivery();
            } else {
                output.preventPublishDelivery(AckReasonCode.QUOTA_EXCEEDED, "publish rate above "
                        + rate.ratePerSecond() + "/s");
            }
        }
    }
}

package io.colmeia.broker.cluster.forward;

import com.google.common.util.concurrent.ListenableFuture;
import com.hivemq.codec.encoder.mqtt5.Mqtt5PayloadFormatIndicator;
import com.hivemq.embedded.EmbeddedHiveMQ;
import com.hivemq.mqtt.handler.publish.IncomingPublishService;
import com.hivemq.mqtt.handler.publish.PublishReturnCode;
import com.hivemq.mqtt.message.mqtt5.MqttUserProperty;
import com.hivemq.mqtt.message.publish.PUBLISH;
import com.hivemq.mqtt.services.InternalPublishService;
import io.colmeia.broker.cluster.link.Message;
import io.colmeia.broker.hivemq.HiveMqInjector;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sees every PUBLISH of a local client where HiveMQ hands it to its own delivery, on the client's event loop, and
 * lets the cluster forward it there: the fast path that replaces the {@link Forwarder} interceptor.
 *
 * <p>Why: a publish inbound interceptor makes HiveMQ run every PUBLISH of the client as a task on its extension
 * executor and come back to the event loop (futures, two thread hand-offs per message). HiveMQ's
 * {@code IncomingPublishService} calls {@link InternalPublishService#publish} on the client's event loop once the
 * PUBLISH passed every interceptor and the authorizer; this wraps that one call. It sees what HiveMQ delivers
 * locally (a publish an interceptor prevented or the authorizer refused never gets here), before the client's PUBACK
 * is sent, in the client's order. Messages the cluster injects ({@link HiveMqPublishPath}) and the extension
 * {@code PublishService} call HiveMQ's service directly, not through here: a forwarded message is never forwarded
 * again. Its payload array is shared, not copied (HiveMQ never changes a received payload).
 *
 * <p>HiveMQ's internals are private: reached through its Guice injector and a private field, pinned to
 * hivemq-community-edition-embedded 2025.5. If they are not there, {@link #install} says why and changes nothing;
 * the cluster then keeps the interceptor (slower, same behaviour) and logs a WARN.
 */
public final class HiveMqPublishTap implements InternalPublishService {

    /** What the cluster does with a local client's PUBLISH; called on the client's event loop, must not block. */
    @FunctionalInterface
    public interface Listener {
        void published(String topic, boolean retain, PUBLISH publish, String sender);
    }

    private static final Logger LOG = LoggerFactory.getLogger(HiveMqPublishTap.class);
    private static final long ERROR_LOG_INTERVAL_NANOS = 5_000_000_000L;

    private final InternalPublishService delegate;
    private final Listener listener;
    private final AtomicLong lastErrorLog = new AtomicLong(System.nanoTime() - ERROR_LOG_INTERVAL_NANOS);

    private HiveMqPublishTap(InternalPublishService delegate, Listener listener) {
        this.delegate = delegate;
        this.listener = listener;
    }

    /**
     * Puts the tap between HiveMQ's handling of client PUBLISHes and its publish service. Call once HiveMQ's
     * injector exists (from a client initializer or after start).
     *
     * @return null when installed, else why not (nothing was changed)
     */
    public static String install(EmbeddedHiveMQ hivemq, Listener listener) {
        try {
            IncomingPublishService incoming = HiveMqInjector.instance(hivemq, IncomingPublishService.class);
            Field field = IncomingPublishService.class.getDeclaredField("publishService");
            if (field.getType() != InternalPublishService.class) {
                return "IncomingPublishService.publishService is a " + field.getType().getName();
            }
            field.setAccessible(true);
            Object current = field.get(incoming);
            if (current instanceof HiveMqPublishTap) {
                return "a publish tap is installed already";
            }
            if (!(current instanceof InternalPublishService service)) {
                return "IncomingPublishService.publishService is " + current;
            }
            field.set(incoming, new HiveMqPublishTap(service, listener));
            // the singleton HiveMQ's handlers use must now hold the tap, or nothing would be forwarded
            if (!(field.get(HiveMqInjector.instance(hivemq, IncomingPublishService.class))
                    instanceof HiveMqPublishTap)) {
                field.set(incoming, service);
                return "IncomingPublishService is not a singleton in this HiveMQ";
            }
            return null;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return e.toString();
        }
    }

    @Override
    public ListenableFuture<PublishReturnCode> publish(PUBLISH publish, ExecutorService executor, String sender) {
        try {
            listener.published(publish.getTopic(), publish.isRetain(), publish, sender);
        } catch (RuntimeException e) {
            // the local delivery must go on; what failed is logged (a bug, not a load condition)
            long now = System.nanoTime();
            long last = lastErrorLog.get();
            if (now - last >= ERROR_LOG_INTERVAL_NANOS && lastErrorLog.compareAndSet(last, now)) {
                LOG.error("cluster: could not forward a PUBLISH of {} on {}: {}", sender, publish.getTopic(),
                        e.toString(), e);
            }
        }
        return delegate.publish(publish, executor, sender);
    }

    /** A client's PUBLISH as it crosses the link; the payload array is shared with HiveMQ's message. */
    public static Message toMessage(PUBLISH p) {
        byte[] payload = p.getPayload();
        long expiry = p.getMessageExpiryInterval();
        Mqtt5PayloadFormatIndicator format = p.getPayloadFormatIndicator();
        List<MqttUserProperty> props = p.getUserProperties().asList();
        List<String> userProperties = List.of();
        if (!props.isEmpty()) {
            userProperties = new ArrayList<>(props.size() * 2);
            for (MqttUserProperty u : props) {
                userProperties.add(u.getName());
                userProperties.add(u.getValue());
            }
        }
        return new Message(p.getTopic(), p.getQoS().getQosNumber(), p.isRetain(),
                payload == null ? new byte[0] : payload, p.getContentType(), p.getResponseTopic(),
                p.getCorrelationData(), expiry == PUBLISH.MESSAGE_EXPIRY_INTERVAL_NOT_SET ? -1 : expiry,
                format == null ? -1 : format == Mqtt5PayloadFormatIndicator.UTF_8 ? 1 : 0, userProperties);
    }
}

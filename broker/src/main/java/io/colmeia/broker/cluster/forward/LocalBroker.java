package io.colmeia.broker.cluster.forward;

import io.colmeia.broker.cluster.link.Message;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** What the cluster needs from the broker it runs in ({@link Delivery} is the HiveMQ one). */
public interface LocalBroker {

    /** Delivers a message forwarded by a peer to local subscribers (and stores it when retained). */
    CompletableFuture<Void> deliver(Message message);

    /**
     * Delivers a message to one client on {@code topic} (a parked shared-subscription topic) with HiveMQ's
     * {@code publishToClient}; completes with false when the client holds no subscription matching it.
     */
    CompletableFuture<Boolean> deliverTo(Message message, String topic, String clientId);

    /** Stores a retained message from a peer's sync unless one exists for its topic; true when stored. */
    CompletableFuture<Boolean> storeRetainedIfMissing(Message message);

    /** Every retained message held here. */
    CompletableFuture<Void> forEachRetained(Consumer<Message> each);

    /** True when {@link #deliver} skips HiveMQ's extension executor (see HiveMqPublishPath). */
    default boolean direct() {
        return false;
    }
}

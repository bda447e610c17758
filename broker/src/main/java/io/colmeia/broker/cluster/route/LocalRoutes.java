package io.colmeia.broker.cluster.route;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The routing filters this replica advertises to its peers. The truth is HiveMQ's subscription store
 * ({@link #reconcile} with a snapshot of it): clean sessions that vanish without UNSUBSCRIBE only show there.
 * A SUBSCRIBE seen by the interceptor is advertised at once ({@link #subscribed}) and pinned for a grace period,
 * so a reconcile that raced with the store update cannot withdraw it. Adding early is harmless (a peer may
 * forward a message nobody here wants); withdrawing early would lose messages.
 *
 * <p>Changes reach peers through the {@link Listener}, called while holding this object's lock, so that a
 * full sync ({@link #snapshot}) and the deltas are seen by every link in one order.
 */
public final class LocalRoutes {

    /** Receives route changes, in order. */
    public interface Listener {
        void added(String filter);

        void removed(String filter);
    }

    private final Set<String> advertised = new HashSet<>();
    private final Map<String, Long> pinnedUntil = new HashMap<>();
    private final long pinNanos;
    private final LongSupplier clock;
    private final Listener listener;

    public LocalRoutes(long pinNanos, LongSupplier clock, Listener listener) {
        this.pinNanos = pinNanos;
        this.clock = clock;
        this.listener = listener;
    }

    /** A local client subscribed to these filters (raw, {@code $share/...} allowed). */
    public synchronized void subscribed(Collection<String> subscriptionFilters) {
        long until = clock.getAsLong() + pinNanos;
        for (String raw : subscriptionFilters) {
            String filter = TopicFilters.routingFilter(raw);
            pinnedUntil.put(filter, until);
            if (advertised.add(filter)) {
                listener.added(filter);
            }
        }
    }

    /**
     * Makes the advertised set equal to what the subscription store holds ({@code storeFilters}: every local
     * subscription's raw filter), except that recently subscribed filters stay until their pin expires.
     */
    public synchronized void reconcile(Collection<String> storeFilters) {
        long now = clock.getAsLong();
        pinnedUntil.values().removeIf(until -> until - now <= 0);
        Set<String> truth = new HashSet<>();
        for (String raw : storeFilters) {
            truth.add(TopicFilters.routingFilter(raw));
        }
        for (String filter : truth) {
            if (advertised.add(filter)) {
                listener.added(filter);
            }
        }
        for (String filter : List.copyOf(advertised)) {
            if (!truth.contains(filter) && !pinnedUntil.containsKey(filter)) {
                advertised.remove(filter);
                listener.removed(filter);
            }
        }
    }

    /**
     * Runs {@code action} with the current set while holding the lock, so that no delta is sent between the
     * snapshot and what {@code action} does with it (e.g. write a full sync to a new link).
     */
    public synchronized void withSnapshot(java.util.function.Consumer<Set<String>> action) {
        action.accept(Set.copyOf(advertised));
    }

    public synchronized Set<String> snapshot() {
        return Set.copyOf(advertised);
    }

    public synchronized int size() {
        return advertised.size();
    }
}

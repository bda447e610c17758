package io.colmeia.broker.overload;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * How full the heap is with what survived the last garbage collection: the share of the maximum heap that
 * is live, not the momentary use (which always climbs towards 100 % between collections). Works with every
 * collector: it reads the heap pools' usage after each collection from the JVM's GC notifications.
 */
public final class HeapWatch implements AutoCloseable {

    private final long maxHeap;
    private final Set<String> heapPools;
    private final AtomicLong usedAfterGc = new AtomicLong();
    private final AtomicLong lastGcNanos = new AtomicLong(System.nanoTime());
    private final AtomicLong collections = new AtomicLong();
    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private final NotificationListener listener = this::onNotification;

    public HeapWatch() {
        long max = Runtime.getRuntime().maxMemory();
        this.maxHeap = max == Long.MAX_VALUE ? Runtime.getRuntime().totalMemory() : max;
        this.heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP)
                .map(MemoryPoolMXBean::getName)
                .collect(Collectors.toUnmodifiableSet());
        usedAfterGc.set(Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory());
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener(listener, null, null);
                emitters.add(emitter);
            }
        }
    }

    private void onNotification(Notification notification, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
            return;
        }
        GarbageCollectionNotificationInfo info =
                GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
        long used = 0;
        for (Map.Entry<String, MemoryUsage> pool : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
            if (heapPools.contains(pool.getKey())) {
                used += pool.getValue().getUsed();
            }
        }
        usedAfterGc.set(used);
        lastGcNanos.set(System.nanoTime());
        collections.incrementAndGet();
    }

    /** Heap in use after the last collection, as a share (0..1) of the maximum heap. */
    public double liveRatio() {
        return (double) usedAfterGc.get() / maxHeap;
    }

    /** Heap in use right now (live data plus garbage not yet collected), as a share of the maximum heap. */
    public double usedRatio() {
        return (double) (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) / maxHeap;
    }

    public long maxHeapBytes() {
        return maxHeap;
    }

    /** Nanoseconds since the last collection ended. */
    public long nanosSinceLastGc() {
        return System.nanoTime() - lastGcNanos.get();
    }

    public long collections() {
        return collections.get();
    }

    @Override
    public void close() {
        for (NotificationEmitter emitter : emitters) {
            try {
                emitter.removeNotificationListener(listener);
            } catch (ListenerNotFoundException ignored) {
                // already gone
            }
        }
        emitters.clear();
    }
}

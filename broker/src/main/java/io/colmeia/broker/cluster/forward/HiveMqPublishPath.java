package io.colmeia.broker.cluster.forward;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import com.hivemq.extension.sdk.api.services.publish.Publish;
import com.hivemq.extension.sdk.api.services.publish.PublishService;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

/**
 * HiveMQ's own publish path for messages forwarded by a peer, without the extension executor.
 *
 * <p>Why: {@link PublishService#publish} runs HiveMQ's distribution with the extension thread pool as executor:
 * every completion of a delivered message (queued for the subscriber, distribution done, publish done, the SDK
 * future) is a task on that pool, ~4 thread hand-offs per message. A client's own PUBLISH goes through the same
 * internal service with its channel's event loop instead. Measured on the receiving replica this made a forwarded
 * message cost several times the CPU of a local one. Here the same internal call gets an executor that runs those
 * completions where they happen (they only complete futures), as HiveMQ does itself for queueing.
 *
 * <p>What is skipped compared to {@link PublishService#publish}: the extension-service rate limit (HiveMQ's default
 * is "unlimited"; the link is bounded by its own buffer). Publish validation is the same (the message is built with
 * the SDK's builder). HiveMQ's internals are private: reached by reflection, pinned to
 * hivemq-community-edition-embedded 2025.5; if they are not there, {@link #of} returns null and the caller keeps
 * using {@link PublishService} (logged once).
 */
final class HiveMqPublishPath {

    /** Runs a task on the calling thread: HiveMQ's completions here only set futures. */
    static final ExecutorService INLINE = MoreExecutors.newDirectExecutorService();

    private final Object service;
    private final Object internal;
    /** PublishServiceImpl.publishToPUBLISH(PublishImpl) → PUBLISH, as (Object, Object) → Object. */
    private final MethodHandle toInternal;
    /** InternalPublishService.publish(PUBLISH, ExecutorService, String) → ListenableFuture. */
    private final MethodHandle publish;

    private HiveMqPublishPath(Object service, Object internal, MethodHandle toInternal, MethodHandle publish) {
        this.service = service;
        this.internal = internal;
        this.toInternal = toInternal;
        this.publish = publish;
    }

    /** The fast path of HiveMQ's {@code PublishServiceImpl}, or null (with the reason in {@code why[0]}). */
    static HiveMqPublishPath of(PublishService service, String[] why) {
        try {
            Class<?> impl = service.getClass();
            ClassLoader loader = impl.getClassLoader();
            Field internalField = impl.getDeclaredField("internalPublishService");
            internalField.setAccessible(true);
            Object internal = internalField.get(service);
            Class<?> publishImpl = Class.forName("com.hivemq.extensions.services.publish.PublishImpl", false, loader);
            Class<?> packet = Class.forName("com.hivemq.mqtt.message.publish.PUBLISH", false, loader);
            Method convert = impl.getDeclaredMethod("publishToPUBLISH", publishImpl);
            convert.setAccessible(true);
            Class<?> internalType = Class.forName("com.hivemq.mqtt.services.InternalPublishService", false, loader);
            Method publish = internalType.getMethod("publish", packet, ExecutorService.class, String.class);
            if (!ListenableFuture.class.isAssignableFrom(publish.getReturnType())) {
                why[0] = "InternalPublishService.publish returns " + publish.getReturnType().getName();
                return null;
            }
            if (internal == null || !internalType.isInstance(internal)) {
                why[0] = "PublishServiceImpl.internalPublishService is " + internal;
                return null;
            }
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            return new HiveMqPublishPath(service, internal,
                    lookup.unreflect(convert).asType(MethodType.methodType(Object.class, Object.class, Object.class)),
                    lookup.unreflect(publish).asType(MethodType.methodType(Object.class, Object.class, Object.class,
                            ExecutorService.class, String.class)));
        } catch (ReflectiveOperationException | RuntimeException e) {
            why[0] = e.toString();
            return null;
        }
    }

    /** Delivers {@code message} (built by the SDK's builder) to local subscribers; completes when HiveMQ is done. */
    CompletableFuture<Void> publish(Publish message) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            Object packet = (Object) toInternal.invokeExact(service, (Object) message);
            ListenableFuture<?> future = (ListenableFuture<?>) (Object) publish.invokeExact(internal, packet, INLINE,
                    (String) null);
            future.addListener(() -> {
                try {
                    future.get();
                    done.complete(null);
                } catch (Throwable e) {
                    done.completeExceptionally(e.getCause() != null ? e.getCause() : e);
                }
            }, MoreExecutors.directExecutor());
        } catch (Throwable e) {
            done.completeExceptionally(e);
        }
        return done;
    }
}

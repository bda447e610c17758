package io.colmeia.persistence;

import java.util.concurrent.CompletableFuture;

/**
 * Where the broker's telemetry tap hands every PUBLISH it received from a client.
 *
 * <p>{@link #submit} is thread-safe and never throws. It decodes the payload on the calling thread (bounded
 * work: size and depth limits), then queues it for the batching writer; it waits for queue space at most
 * {@code --queue-wait} (default: not at all). The future completes on a persistence thread:
 * <ul>
 *   <li>normally, only once the message (or, for an invalid payload, its rejection record) is durable:
 *       see {@link Durability};</li>
 *   <li>exceptionally with {@link PersistenceUnavailableException} when it was not accepted (queue full,
 *       spool full, sink closed) or the server refused the document: then nothing is promised, and the
 *       broker must not acknowledge the PUBLISH (the device will retransmit).</li>
 * </ul>
 * Callbacks attached to the future run on the writer thread: keep them short and never block in them.
 */
public interface TelemetrySink extends AutoCloseable {

    CompletableFuture<Durability> submit(TelemetryMessage message);

    /** Stops accepting, writes (or spools) what is queued within a bounded time, then releases resources. */
    @Override
    void close();
}

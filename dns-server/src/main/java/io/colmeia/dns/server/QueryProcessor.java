package io.colmeia.dns.server;

import io.colmeia.dns.answer.Responder;
import io.colmeia.dns.answer.Response;
import io.colmeia.dns.answer.Transport;
import io.colmeia.dns.metrics.DnsMetrics;
import io.colmeia.dns.metrics.RateLimitedLog;
import io.colmeia.dns.ratelimit.ResponseRateLimiter;
import io.colmeia.dns.zone.ZoneSnapshot;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What both transports do with one query: run the pure answering logic on the current zone with the next
 * rotation, count it, log rejected input (rate-limited), and for UDP apply response rate limiting.
 * Returns the bytes to send, or null to send nothing.
 */
final class QueryProcessor {

    private static final Logger LOG = LoggerFactory.getLogger(QueryProcessor.class);

    private final Supplier<ZoneSnapshot> zone;
    private final ResponseRateLimiter rateLimiter;
    private final DnsMetrics metrics;
    private final RateLimitedLog rejectLog = new RateLimitedLog(LOG, TimeUnit.SECONDS.toNanos(10));
    private final AtomicInteger rotation = new AtomicInteger();

    QueryProcessor(Supplier<ZoneSnapshot> zone, ResponseRateLimiter rateLimiter, DnsMetrics metrics) {
        this.zone = zone;
        this.rateLimiter = rateLimiter;
        this.metrics = metrics;
    }

    DnsMetrics metrics() {
        return metrics;
    }

    RateLimitedLog rejectLog() {
        return rejectLog;
    }

    byte[] process(byte[] query, Transport transport, InetSocketAddress client) {
        long start = System.nanoTime();
        Response response;
        try {
            response = Responder.respond(zone.get(), query, transport, rotation.getAndIncrement());
        } catch (RuntimeException e) {
            metrics.internalError(transport);
            rejectLog.warn("internal", "answering a {}-byte {} query from {} failed: {}", query.length,
                    transport.label(), client, e.toString());
            return null;
        }
        metrics.response(transport, response, System.nanoTime() - start);
        if (response.malformed() != null) {
            rejectLog.warn(response.malformed().label(), "rejected a {}-byte {} packet from {}: {}{}", query.length,
                    transport.label(), client, response.malformed().label(),
                    response.isDropped() ? " (dropped)" : " (answered FORMERR)");
        }
        if (response.isDropped()) {
            return null;
        }
        if (transport == Transport.UDP && rateLimiter.enabled()) {
            switch (rateLimiter.check(client.getAddress(), response.rateKey().value(), System.nanoTime())) {
                case SEND -> {
                    return response.wire();
                }
                case SLIP -> {
                    metrics.rateLimited("slipped");
                    rejectLog.warn("rrl", "rate limiting responses to {} ({})", client.getAddress(),
                            response.rateKey().value());
                    return Responder.slip(response);
                }
                default -> {
                    metrics.rateLimited("dropped");
                    rejectLog.warn("rrl", "rate limiting responses to {} ({})", client.getAddress(),
                            response.rateKey().value());
                    return null;
                }
            }
        }
        return response.wire();
    }
}

package io.colmeia.ingress.tls;

import io.colmeia.common.config.HostPort;
import io.colmeia.common.config.InvalidConfigurationException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS termination at the ingress: the client's TLS session ends here, so the ingress can read the CONNECT and
 * keep routing by client id (SNI passthrough would only see a host name, never the client id); the relay to the
 * replica is plain MQTT on the internal network. TLS 1.3 and 1.2 only; the server certificate comes from PEM
 * files or a PKCS12 key store.
 */
public final class TlsTermination {

    private static final Logger LOG = LoggerFactory.getLogger(TlsTermination.class);
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final HostPort address;
    private final SslContext context;
    private final Duration handshakeTimeout;
    private volatile Metrics metrics;

    public TlsTermination(HostPort address, SslContext context, Duration handshakeTimeout) {
        this.address = address;
        this.context = context;
        this.handshakeTimeout = handshakeTimeout;
    }

    public HostPort address() {
        return address;
    }

    /** Registers the handshake counters (once the node's registry exists). */
    public void bindMetrics(MeterRegistry registry) {
        this.metrics = new Metrics(registry);
    }

    /** A server context from a PEM certificate chain and PKCS#8 PEM key. */
    public static SslContext fromPem(Path certificateChain, Path privateKey) {
        try {
            return SslContextBuilder.forServer(certificateChain.toFile(), privateKey.toFile())
                    .protocols(PROTOCOLS).build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new InvalidConfigurationException("--tls-cert", "cannot use " + certificateChain + " with key "
                    + privateKey + ": " + e.getMessage());
        }
    }

    /** A server context from a PKCS12 key store whose key has the store's password. */
    public static SslContext fromPkcs12(Path keyStore, char[] password) {
        try (InputStream in = Files.newInputStream(keyStore)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, password);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, password);
            return SslContextBuilder.forServer(kmf).protocols(PROTOCOLS).build();
        } catch (IOException | GeneralSecurityException e) {
            throw new InvalidConfigurationException("--tls-keystore", "cannot open " + keyStore
                    + " as PKCS12 with --tls-keystore-password: " + e.getMessage());
        }
    }

    /** Puts the TLS handler first in a new client channel's pipeline, and counts how its handshake ends. */
    public void install(Channel channel) {
        SslHandler ssl = context.newHandler(channel.alloc());
        ssl.setHandshakeTimeoutMillis(handshakeTimeout.toMillis());
        channel.pipeline().addFirst("tls-outcome", new HandshakeOutcome(metrics));
        channel.pipeline().addFirst("tls", ssl);
    }

    /** Counts completed and failed handshakes; a failed one is closed by the SslHandler itself. */
    private static final class HandshakeOutcome extends ChannelInboundHandlerAdapter {
        private static final RateLimited LOG_FAILURES = new RateLimited();
        private final Metrics metrics;

        HandshakeOutcome(Metrics metrics) {
            this.metrics = metrics;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event instanceof SslHandshakeCompletionEvent done) {
                String outcome = done.isSuccess() ? "ok" : reason(done.cause());
                if (metrics != null) {
                    metrics.count(outcome);
                }
                if (!done.isSuccess() && LOG_FAILURES.allow()) {
                    LOG.warn("TLS handshake with {} failed ({}): {}", ctx.channel().remoteAddress(), outcome,
                            done.cause().getMessage());
                }
                ctx.pipeline().remove(this);
            }
            super.userEventTriggered(ctx, event);
        }

        private static String reason(Throwable cause) {
            String text = String.valueOf(cause.getMessage()).toLowerCase(java.util.Locale.ROOT);
            if (cause instanceof io.netty.handler.ssl.SslHandshakeTimeoutException) {
                return "timeout";
            }
            if (text.contains("protocol") || text.contains("version")) {
                return "protocol";
            }
            if (text.contains("certificate") || text.contains("unknown_ca") || text.contains("bad_certificate")) {
                return "certificate";
            }
            if (cause instanceof SSLHandshakeException) {
                return "handshake";
            }
            return "other";
        }
    }

    /** Handshake outcomes: colmeia_ingress_tls_handshakes_total{outcome}. */
    private static final class Metrics {
        private final MeterRegistry registry;
        private final Map<String, Counter> counters = new ConcurrentHashMap<>();

        Metrics(MeterRegistry registry) {
            this.registry = registry;
            for (String o : new String[] {"ok", "timeout", "protocol", "certificate", "handshake", "other"}) {
                count(o, 0);
            }
        }

        void count(String outcome) {
            count(outcome, 1);
        }

        private void count(String outcome, double amount) {
            counters.computeIfAbsent(outcome, o -> Counter.builder("colmeia_ingress_tls_handshakes_total")
                    .description("TLS handshakes on --mqtts, by outcome").tag("outcome", o).register(registry))
                    .increment(amount);
        }
    }

    /** At most one failure line per 10 s: scanners and broken devices retry often. */
    private static final class RateLimited {
        private final java.util.concurrent.atomic.AtomicLong last = new java.util.concurrent.atomic.AtomicLong();

        boolean allow() {
            long now = System.nanoTime();
            long previous = last.get();
            return (previous == 0 || now - previous >= 10_000_000_000L) && last.compareAndSet(previous, now);
        }
    }
}

package io.colmeia.common.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.colmeia.common.config.HostPort;
import io.colmeia.common.config.InvalidConfigurationException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The small HTTP endpoint every process serves: {@code /metrics} (Prometheus text), {@code /health}
 * (the process is alive) and {@code /ready} (it is serving; 503 until then and while draining).
 */
public final class StatusServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StatusServer.class);
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService executor;
    private final HostPort address;

    private StatusServer(HttpServer server, ExecutorService executor, HostPort address) {
        this.server = server;
        this.executor = executor;
        this.address = address;
    }

    /**
     * Binds and starts serving. {@code option} names the flag the address came from, for the error message.
     */
    public static StatusServer start(String option, HostPort address, PrometheusMeterRegistry registry,
                                     BooleanSupplier ready) {
        HttpServer server;
        try {
            server = HttpServer.create(address.toSocketAddress(), 64);
        } catch (BindException e) {
            throw new InvalidConfigurationException(option, "cannot listen on " + address + " (" + e.getMessage()
                    + "); is another process using it?");
        } catch (IOException | IllegalArgumentException | SecurityException e) {
            throw new InvalidConfigurationException(option, "cannot listen on " + address + " (" + e + ")");
        }
        Counter badRequests = Counter.builder("colmeia_http_rejected_requests_total")
                .description("Requests to the status endpoint refused (unknown path or method)")
                .register(registry);
        server.createContext("/", exchange -> {
            try (exchange) {
                if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                    badRequests.increment();
                    exchange.getResponseHeaders().add("Allow", "GET, HEAD");
                    respond(exchange, 405, "text/plain", "method not allowed\n");
                    return;
                }
                switch (exchange.getRequestURI().getPath()) {
                    case "/metrics" -> respond(exchange, 200, PROMETHEUS_TEXT, registry.scrape());
                    case "/health" -> respond(exchange, 200, "application/json", "{\"status\":\"UP\"}\n");
                    case "/ready" -> {
                        boolean isReady = ready.getAsBoolean();
                        respond(exchange, isReady ? 200 : 503, "application/json",
                                "{\"ready\":" + isReady + "}\n");
                    }
                    default -> {
                        badRequests.increment();
                        respond(exchange, 404, "text/plain", "not found; try /metrics, /health or /ready\n");
                    }
                }
            } catch (IOException | RuntimeException e) {
                LOG.debug("status request failed: {}", e.toString());
            }
        });
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "status-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.start();
        LOG.info("status endpoint on http://{} (/metrics, /health, /ready)", address);
        return new StatusServer(server, executor, address);
    }

    private static void respond(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    public HostPort address() {
        return address;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}

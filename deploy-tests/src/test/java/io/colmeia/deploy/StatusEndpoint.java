package io.colmeia.deploy;

import io.colmeia.common.config.HostPort;
import io.colmeia.common.http.StatusServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The status endpoint every colmeia process serves, started for real on loopback, so paths in deployment
 * files are checked against what the code answers rather than against a list in the test.
 */
final class StatusEndpoint implements AutoCloseable {

    private final AtomicBoolean ready = new AtomicBoolean();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final StatusServer server;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    StatusEndpoint() throws IOException {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        server = StatusServer.start("--http", new HostPort("127.0.0.1", port), registry, ready::get);
    }

    int port() {
        return server.address().port();
    }

    void ready(boolean isReady) {
        ready.set(isReady);
    }

    /** HTTP status of GET path while the process is (or is not) ready. */
    int status(String path, boolean isReady) throws IOException, InterruptedException {
        ready.set(isReady);
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + server.address() + path))
                .timeout(Duration.ofSeconds(5))
                .GET()
                .build();
        return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** A readiness path: 200 when ready, 503 when not. */
    boolean isReadinessPath(String path) throws IOException, InterruptedException {
        return status(path, true) == 200 && status(path, false) == 503;
    }

    /** A liveness path: 200 whether or not the process is ready. */
    boolean isLivenessPath(String path) throws IOException, InterruptedException {
        return status(path, true) == 200 && status(path, false) == 200;
    }

    /** A metrics path: 200 with Prometheus text. */
    boolean isMetricsPath(String path) throws IOException, InterruptedException {
        ready.set(true);
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + server.address() + path))
                .timeout(Duration.ofSeconds(5))
                .GET()
                .build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        return response.statusCode() == 200
                && response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain");
    }

    @Override
    public void close() {
        server.close();
        registry.close();
    }
}

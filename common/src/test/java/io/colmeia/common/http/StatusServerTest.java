package io.colmeia.common.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.colmeia.common.config.HostPort;
import io.colmeia.common.config.InvalidConfigurationException;
import io.colmeia.common.metrics.Metrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class StatusServerTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static HostPort freeAddress() throws Exception {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.21", 0));
            return new HostPort("127.0.0.21", s.getLocalPort());
        }
    }

    private static HttpResponse<String> request(HostPort at, String method, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + at + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesHealthReadinessAndMetricsWithTheNodeLabel() throws Exception {
        PrometheusMeterRegistry registry = Metrics.create("test", "node-a");
        AtomicBoolean ready = new AtomicBoolean(false);
        HostPort address = freeAddress();
        try (StatusServer server = StatusServer.start("--http", address, registry, ready::get)) {
            assertThat(request(address, "GET", "/health").statusCode()).isEqualTo(200);
            assertThat(request(address, "GET", "/ready").statusCode()).isEqualTo(503);
            ready.set(true);
            assertThat(request(address, "GET", "/ready").statusCode()).isEqualTo(200);
            HttpResponse<String> metrics = request(address, "GET", "/metrics");
            assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(
                    type -> assertThat(type).startsWith("text/plain; version=0.0.4"));
            assertThat(metrics.body()).contains("jvm_threads_live_threads{node=\"node-a\"}")
                    .contains("colmeia_build{component=\"test\",node=\"node-a\"");
        }
    }

    @Test
    void refusesOtherMethodsAndPathsAndCountsThem() throws Exception {
        PrometheusMeterRegistry registry = Metrics.create("test", "node-b");
        HostPort address = freeAddress();
        try (StatusServer server = StatusServer.start("--http", address, registry, () -> true)) {
            assertThat(request(address, "POST", "/metrics").statusCode()).isEqualTo(405);
            assertThat(request(address, "GET", "/admin").statusCode()).isEqualTo(404);
            assertThat(registry.get("colmeia_http_rejected_requests_total").counter().count()).isEqualTo(2.0);
        }
    }

    @Test
    void anAddressInUseFailsNamingTheOption() throws Exception {
        try (ServerSocket squatter = new ServerSocket()) {
            squatter.bind(new InetSocketAddress("127.0.0.21", 0));
            HostPort taken = new HostPort("127.0.0.21", squatter.getLocalPort());
            assertThatThrownBy(() -> StatusServer.start("--http", taken, Metrics.create("t", "n"), () -> true))
                    .isInstanceOf(InvalidConfigurationException.class)
                    .hasMessageStartingWith("--http: cannot listen on " + taken);
        }
    }
}

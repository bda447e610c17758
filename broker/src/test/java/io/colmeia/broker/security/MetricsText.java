package io.colmeia.broker.security;

import io.colmeia.broker.BrokerReplica;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** A replica's /metrics text, as Prometheus scrapes it. */
final class MetricsText {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private MetricsText() {
    }

    static String of(BrokerReplica replica) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + replica.config().http() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }
}

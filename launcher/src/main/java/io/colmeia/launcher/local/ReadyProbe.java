package io.colmeia.launcher.local;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Asks a process's status endpoint whether it is ready (HTTP 200 on /ready). */
public final class ReadyProbe {

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(1))
            .version(HttpClient.Version.HTTP_1_1)
            .build();

    private ReadyProbe() {
    }

    public static boolean isReady(String hostPort) {
        if (hostPort == null) {
            return false;
        }
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + hostPort + "/ready"))
                    .timeout(Duration.ofSeconds(2))
                    .GET()
                    .build();
            return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (java.io.IOException | IllegalArgumentException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}

package io.colmeia.launcher.local;

import io.colmeia.launcher.local.ClusterPlan.Planned;
import io.colmeia.launcher.observability.LocalPrometheus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Asks a process's status endpoint whether it is ready (HTTP 200 on /ready; Prometheus: /-/ready). */
public final class ReadyProbe {

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(1))
            .version(HttpClient.Version.HTTP_1_1)
            .build();

    private ReadyProbe() {
    }

    static boolean isReady(ManagedProcess process) {
        return LocalPrometheus.ROLE.equals(process.role()) ? LocalPrometheus.isReady(process.http())
                : isReady(process.http());
    }

    static boolean isReady(Planned process) {
        return LocalPrometheus.ROLE.equals(process.role()) ? LocalPrometheus.isReady(process.http().toString())
                : isReady(process.http().toString());
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

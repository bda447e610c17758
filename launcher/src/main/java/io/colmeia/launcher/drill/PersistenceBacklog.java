package io.colmeia.launcher.drill;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * How much telemetry the broker replicas still hold on its way to the database (write queue plus local spool),
 * read from their /metrics. The drill reads the database only once this is zero: a reading in a spool is
 * durable but not yet stored, and a full scan of the embedded store while spools replay competes with them.
 */
final class PersistenceBacklog {

    static final List<String> GAUGES = List.of("colmeia_persistence_spool_records", "colmeia_persistence_queue_depth");

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
            .version(HttpClient.Version.HTTP_1_1).build();

    private PersistenceBacklog() {
    }

    /** Sum of the backlog gauges over these replicas' HTTP endpoints; -1 if any cannot be read. */
    static long of(List<String> httpEndpoints) {
        long total = 0;
        for (String endpoint : httpEndpoints) {
            long one = read(endpoint);
            if (one < 0) {
                return -1;
            }
            total += one;
        }
        return total;
    }

    private static long read(String endpoint) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + endpoint + "/metrics"))
                    .timeout(Duration.ofSeconds(5)).GET().build();
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return -1;
            }
            return sum(response.body());
        } catch (java.io.IOException | IllegalArgumentException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Sums the backlog gauges in a Prometheus text exposition; -1 if none is there. */
    static long sum(String exposition) {
        double total = 0;
        boolean found = false;
        for (String line : exposition.split("\n")) {
            for (String gauge : GAUGES) {
                if (line.startsWith(gauge + " ") || line.startsWith(gauge + "{")) {
                    String value = line.substring(line.lastIndexOf(' ') + 1).trim();
                    try {
                        total += Double.parseDouble(value);
                        found = true;
                    } catch (NumberFormatException e) {
                        return -1;
                    }
                }
            }
        }
        return found ? Math.round(total) : -1;
    }
}

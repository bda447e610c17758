package io.colmeia.launcher.observability;

import io.colmeia.common.config.HostPort;
import io.colmeia.launcher.local.ClusterPlan.Planned;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Prometheus from the Debian package as one more process of the local cluster's supervised plan: its files under
 * the cluster directory, started on a loopback address, readiness on {@code /-/ready} (not colmeia's
 * {@code /ready}).
 */
public final class LocalPrometheus {

    /** The role (and id) it has in {@code colmeia status}. */
    public static final String ROLE = "prometheus";
    /** Prometheus answers readiness here; colmeia processes on /ready. */
    public static final String READY_PATH = "/-/ready";
    /** Its own loopback address, next to the cluster's 127.0.1-4.x (docs/local-cluster.md). */
    public static final String ADDRESS = "127.0.5.1";
    /** The alert rules of deploy/prometheus/alerts.yml, packaged into the launcher jar by the launcher's pom. */
    static final String RULES_RESOURCE = "/io/colmeia/launcher/observability/alerts.yml";

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(1))
            .version(HttpClient.Version.HTTP_1_1)
            .build();

    private LocalPrometheus() {
    }

    /** Where a local cluster in {@code dir} keeps Prometheus's configuration, data and log. */
    public record Layout(Path config, Path rules, Path data, Path log) {
        public static Layout of(Path dir) {
            Path own = dir.resolve("prometheus");
            return new Layout(own.resolve("prometheus.yml"), own.resolve("alerts.yml"),
                    dir.resolve("data").resolve(ROLE), dir.resolve("logs").resolve(ROLE + ".log"));
        }
    }

    /** The binary: a path when the value names one (has a '/'), else the first executable of that name on PATH. */
    static Optional<Path> locate(String binary, String pathVariable) {
        if (binary.contains("/")) {
            Path path = Path.of(binary);
            return Files.isRegularFile(path) && Files.isExecutable(path) ? Optional.of(path) : Optional.empty();
        }
        for (String dir : (pathVariable == null ? "" : pathVariable).split(File.pathSeparator)) {
            if (!dir.isEmpty()) {
                Path candidate = Path.of(dir, binary);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    /** Writes the alert rules and the scrape config for these processes; returns where they are. */
    static Layout writeConfig(Path dir, List<Planned> processes, Duration interval, Optional<String> self) {
        Layout layout = Layout.of(dir);
        try {
            Files.createDirectories(layout.config().getParent());
            try (InputStream rules = LocalPrometheus.class.getResourceAsStream(RULES_RESOURCE)) {
                if (rules == null) {
                    throw new IllegalStateException("the alert rules " + RULES_RESOURCE + " are missing from the"
                            + " launcher's classpath; rebuild it with Maven (it copies deploy/prometheus/alerts.yml)");
                }
                Files.copy(rules, layout.rules(), StandardCopyOption.REPLACE_EXISTING);
            }
            Files.writeString(layout.config(), ScrapeConfig.yaml(processes, interval, layout.rules(), self));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the Prometheus configuration in " + layout.config()
                    .getParent(), e);
        }
        return layout;
    }

    /**
     * Prometheus with this layout as a process of the supervised plan, listening on {@code listen} only; its
     * output goes to its log like every other process's.
     */
    static Planned planned(Path binary, HostPort listen, Layout layout) {
        List<String> args = List.of("--config.file=" + layout.config(),
                "--storage.tsdb.path=" + layout.data(),
                "--web.listen-address=" + listen);
        return new Planned(ROLE, ROLE, args, listen, listen, List.of(), layout.log(), layout.data(), binary);
    }

    /** HTTP 200 on Prometheus's readiness path. */
    public static boolean isReady(String hostPort) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + hostPort + READY_PATH))
                    .timeout(Duration.ofSeconds(2))
                    .GET()
                    .build();
            return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException | IllegalArgumentException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}

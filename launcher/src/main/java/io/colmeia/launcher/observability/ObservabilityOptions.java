package io.colmeia.launcher.observability;

import io.colmeia.common.config.Converters;
import io.colmeia.common.config.HostPort;
import io.colmeia.common.config.InvalidConfigurationException;
import io.colmeia.launcher.local.ClusterPlan.Planned;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import picocli.CommandLine.Option;

/**
 * What {@code colmeia up} does for monitoring: it always writes a Prometheus configuration for the cluster it
 * starts ({@code <dir>/prometheus/prometheus.yml}), and with {@code --observability} it also runs Prometheus
 * from the Debian package against it. The rule: {@code --observability} without an installed Prometheus fails
 * before anything starts, saying what to install (asked for explicitly, it is not silently skipped).
 */
public class ObservabilityOptions {

    @Option(names = "--observability", defaultValue = "false", fallbackValue = "true",
            description = "Also run Prometheus (Debian package 'prometheus') on " + LocalPrometheus.ADDRESS
                    + ":--prometheus-port scraping every process, with the alert rules of"
                    + " deploy/prometheus/alerts.yml, once they are ready and under the same --restart policy;"
                    + " 'status' shows it, 'down' stops it. Without Prometheus"
                    + " installed 'up' fails before starting anything (default: ${DEFAULT-VALUE}).")
    boolean enabled;

    @Option(names = "--prometheus-binary", defaultValue = "prometheus", paramLabel = "PATH",
            description = "Prometheus to run with --observability: a path, or a name looked up on PATH"
                    + " (default: ${DEFAULT-VALUE}).")
    String binary;

    @Option(names = "--prometheus-port", defaultValue = "9090", paramLabel = "PORT",
            description = "Port of Prometheus on " + LocalPrometheus.ADDRESS + " with --observability"
                    + " (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--scrape-interval", defaultValue = "5s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "Scrape and rule evaluation interval of the generated Prometheus configuration,"
                    + " 1s-5m (default: ${DEFAULT-VALUE}).")
    Duration scrapeInterval;

    private Path resolvedBinary;

    public boolean enabled() {
        return enabled;
    }

    /** Checks the options and, with --observability, Prometheus's binary and address: before anything starts. */
    public void check() {
        if (port < 1 || port > 65535) {
            throw new InvalidConfigurationException("--prometheus-port", "port " + port + " is outside 1..65535");
        }
        if (scrapeInterval.compareTo(Duration.ofSeconds(1)) < 0
                || scrapeInterval.compareTo(Duration.ofMinutes(5)) > 0) {
            throw new InvalidConfigurationException("--scrape-interval", Converters.formatDuration(scrapeInterval)
                    + " is outside 1s..5m");
        }
        if (!enabled) {
            return;
        }
        resolvedBinary = LocalPrometheus.locate(binary, System.getenv("PATH")).orElseThrow(() ->
                new InvalidConfigurationException("--prometheus-binary", "'" + binary + "' is not "
                        + (binary.contains("/") ? "an executable file" : "installed (not found on PATH)")
                        + "; --observability runs Prometheus: install it (Debian: apt-get install -y prometheus)"
                        + " or name it with --prometheus-binary, or run 'colmeia up' without --observability"));
        HostPort listen = listen();
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(listen.toSocketAddress());
        } catch (IOException e) {
            throw new InvalidConfigurationException("--prometheus-port", "Prometheus cannot listen on " + listen
                    + " (" + e.getMessage() + "): another process uses it (the Debian package's own service"
                    + " listens on every address at 9090: 'systemctl disable --now prometheus'), or choose another"
                    + " --prometheus-port");
        }
    }

    private HostPort listen() {
        return new HostPort(LocalPrometheus.ADDRESS, port);
    }

    /**
     * Writes the Prometheus configuration for the cluster's planned processes (their addresses are known before
     * they start) and, with --observability, returns Prometheus as one more process of the supervised plan:
     * supervision starts it once the colmeia processes are ready and restarts it like them.
     */
    public Optional<Planned> plan(Path dir, List<Planned> cluster, Consumer<String> out) {
        Optional<String> self = enabled ? Optional.of(listen().toString()) : Optional.empty();
        LocalPrometheus.Layout layout = LocalPrometheus.writeConfig(dir, cluster, scrapeInterval, self);
        if (!enabled) {
            out.accept("prometheus config for this cluster: " + layout.config() + " (or run 'colmeia up"
                    + " --observability' to start Prometheus with it)");
            return Optional.empty();
        }
        if (resolvedBinary == null) {
            throw new IllegalStateException("check() must run before plan()");
        }
        out.accept("prometheus config for this cluster: " + layout.config() + "; prometheus starts once the"
                + " cluster is ready");
        return Optional.of(LocalPrometheus.planned(resolvedBinary, listen(), layout));
    }

    /** Where to look once it is ready. */
    public String summary() {
        return "prometheus: http://" + listen() + " (targets: http://" + listen() + "/targets, alerts: http://"
                + listen() + "/alerts)";
    }
}

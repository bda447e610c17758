package io.colmeia.broker.testing;

import io.colmeia.common.config.HostPort;
import io.colmeia.common.testing.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A broker replica in its own JVM ({@code io.colmeia.broker.BrokerMain}), as in production: HiveMQ CE runs one
 * instance per JVM reliably. In-memory HiveMQ persistence, a short shutdown grace, the test's {@code COLMEIA_*}
 * environment removed; output goes to {@code replica.log} in the data directory and its tail is shown when the
 * replica fails to start. Ports are free ones on {@code host}; a restart reuses them and the data directory.
 */
public class ReplicaJvm implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public final String nodeId;
    public final HostPort mqtt;
    public final HostPort http;
    public final HostPort cluster;
    protected final Path dataDir;
    private Process process;

    public ReplicaJvm(String nodeId, String host, Path dataDir) {
        this.nodeId = nodeId;
        this.mqtt = FreePorts.on(host);
        this.http = FreePorts.on(host);
        this.cluster = FreePorts.on(host);
        this.dataDir = dataDir;
    }

    /** The options that make this replica a cluster member with these link addresses as static peers. */
    public List<String> clusterOptions(List<HostPort> peers) {
        return List.of("--cluster", cluster.toString(),
                "--peers", String.join(",", peers.stream().map(HostPort::toString).toList()),
                "--cluster-heartbeat", "500ms", "--cluster-timeout", "3s");
    }

    /** Starts the JVM with this heap bound and these broker options (does not wait for it to be ready). */
    protected void launch(String maxHeap, List<String> options) {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + maxHeap, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
                "-cp", classpath, "io.colmeia.broker.BrokerMain",
                "--node-id", nodeId, "--mqtt", mqtt.toString(), "--http", http.toString(),
                "--data-dir", dataDir.toString(), "--persistence", "memory", "--shutdown-grace", "1s"));
        command.addAll(options);
        try {
            Files.createDirectories(dataDir);
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()));
            builder.environment().keySet().removeIf(k -> k.startsWith("COLMEIA_"));
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path log() {
        return dataDir.resolve("replica.log");
    }

    /** Waits until {@code /ready} answers 200; fails with the log's tail if the JVM exits or the time runs out. */
    public void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(nodeId + " exited with " + process.exitValue() + ":\n" + logTail());
            }
            try {
                if (get("/ready").statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            sleep(200);
        }
        throw new IllegalStateException(nodeId + " not ready within " + timeout + ":\n" + logTail());
    }

    /** SIGKILL: no drain, no goodbye to peers, no final write. */
    public void kill() {
        if (process != null) {
            process.destroyForcibly();
            awaitExit();
        }
    }

    /** The replica's {@code /metrics} text (Prometheus exposition format). */
    public String metricsText() {
        try {
            return get("/metrics").body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log(), StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** SIGTERM, then SIGKILL if it has not exited within 15 s. */
    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(15, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    awaitExit();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    private void awaitExit() {
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                throw new IllegalStateException(nodeId + " did not exit within 15 s after SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private HttpResponse<String> get(String path) throws IOException {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + http + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

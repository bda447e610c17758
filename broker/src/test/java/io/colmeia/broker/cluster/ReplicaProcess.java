package io.colmeia.broker.cluster;

import io.colmeia.common.testing.FreePorts;
import io.colmeia.common.config.HostPort;
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
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A broker replica in its own JVM ({@code io.colmeia.broker.BrokerMain}), as in production: HiveMQ CE runs one
 * instance per JVM reliably. Output goes to a log file under the data directory, shown when it fails to start.
 */
final class ReplicaProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    final String nodeId;
    final HostPort mqtt;
    final HostPort http;
    final HostPort cluster;
    private final Path dataDir;
    private Process process;

    ReplicaProcess(String nodeId, String host, Path dataDir) {
        this.nodeId = nodeId;
        this.mqtt = FreePorts.on(host);
        this.http = FreePorts.on(host);
        this.cluster = FreePorts.on(host);
        this.dataDir = dataDir;
    }

    /** Starts the process with these cluster addresses as --peers (does not wait for it to be ready). */
    ReplicaProcess start(List<HostPort> clusterAddresses) {
        List<String> peers = clusterAddresses.stream().map(HostPort::toString).toList();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
                "-cp", classpath, "io.colmeia.broker.BrokerMain",
                "--node-id", nodeId, "--mqtt", mqtt.toString(), "--http", http.toString(),
                "--data-dir", dataDir.toString(), "--persistence", "memory", "--shutdown-grace", "1s",
                "--cluster", cluster.toString(), "--peers", String.join(",", peers),
                "--cluster-heartbeat", "500ms", "--cluster-timeout", "3s",
                "--telemetry", "off")); // routing tests: no MongoDB here, and no sink to wait for
        try {
            Files.createDirectories(dataDir);
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()));
            builder.environment().keySet().removeIf(k -> k.startsWith("COLMEIA_"));
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    Path log() {
        return dataDir.resolve("replica.log");
    }

    void awaitReady(Duration timeout) {
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
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sleep(200);
        }
        throw new IllegalStateException(nodeId + " not ready within " + timeout + ":\n" + logTail());
    }

    /** SIGKILL: no drain, no goodbye to peers. */
    void kill() {
        if (process != null) {
            process.destroyForcibly();
            waitFor();
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(15, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    waitFor();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    private void waitFor() {
        try {
            process.waitFor(15, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Sum of every sample of {@code name} whose labels include all of {@code labels}. */
    double metric(String name, Map<String, String> labels) {
        String text;
        try {
            text = get("/metrics").body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        Pattern line = Pattern.compile("^" + Pattern.quote(name) + "\\{([^}]*)} (\\S+)$", Pattern.MULTILINE);
        Matcher m = line.matcher(text);
        double sum = 0;
        while (m.find()) {
            String labelText = m.group(1);
            boolean all = labels.entrySet().stream()
                    .allMatch(e -> labelText.contains(e.getKey() + "=\"" + e.getValue() + "\""));
            if (all) {
                sum += Double.parseDouble(m.group(2));
            }
        }
        return sum;
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + http + path)).timeout(Duration.ofSeconds(5))
                .build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log(), StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

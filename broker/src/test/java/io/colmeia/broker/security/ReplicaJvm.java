package io.colmeia.broker.security;

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

/** A broker replica in its own JVM (HiveMQ runs one instance per JVM reliably), with extra options. */
final class ReplicaJvm implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    final String nodeId;
    final HostPort mqtt;
    final HostPort http;
    final HostPort cluster;
    private final Path dataDir;
    private Process process;

    ReplicaJvm(String nodeId, String host, Path dataDir) {
        this.nodeId = nodeId;
        this.mqtt = FreePorts.on(host);
        this.http = FreePorts.on(host);
        this.cluster = FreePorts.on(host);
        this.dataDir = dataDir;
    }

    ReplicaJvm start(List<HostPort> peers, String... extra) {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", classpath, "io.colmeia.broker.BrokerMain",
                "--node-id", nodeId, "--mqtt", mqtt.toString(), "--http", http.toString(),
                "--data-dir", dataDir.toString(), "--persistence", "memory", "--shutdown-grace", "1s",
                "--cluster", cluster.toString(),
                "--peers", String.join(",", peers.stream().map(HostPort::toString).toList()),
                "--cluster-heartbeat", "500ms", "--cluster-timeout", "3s", "--telemetry", "off"));
        command.addAll(List.of(extra));
        try {
            Files.createDirectories(dataDir);
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve("replica.log").toFile()));
            builder.environment().keySet().removeIf(k -> k.startsWith("COLMEIA_"));
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    void awaitReady(Duration timeout) throws InterruptedException {
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
            Thread.sleep(200);
        }
        throw new IllegalStateException(nodeId + " not ready within " + timeout + ":\n" + logTail());
    }

    /** Sum of the samples of a metric whose label text contains {@code labelFragment}. */
    double metric(String name, String labelFragment) throws IOException, InterruptedException {
        return get("/metrics").body().lines()
                .filter(l -> l.startsWith(name + "{") && l.contains(labelFragment))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + http + path)).timeout(Duration.ofSeconds(5))
                .build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(dataDir.resolve("replica.log"), StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(15, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(15, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}

package io.colmeia.broker.telemetry;

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
 * A broker replica with the telemetry tap on, in its own JVM ({@code io.colmeia.broker.BrokerMain}), writing to
 * {@code mongodbUri} with {@code ack=persisted}. It can be SIGKILLed and started again on the same ports and data
 * directory (so with the same spool).
 */
final class TelemetryReplicaProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    final String nodeId;
    final HostPort mqtt;
    final HostPort http;
    private final Path dataDir;
    private final String mongodbUri;
    private Process process;

    TelemetryReplicaProcess(String nodeId, String host, Path dataDir, String mongodbUri) {
        this.nodeId = nodeId;
        this.mqtt = FreePorts.on(host);
        this.http = FreePorts.on(host);
        this.dataDir = dataDir;
        this.mongodbUri = mongodbUri;
    }

    /** Starts the JVM and waits until /ready answers 200. */
    TelemetryReplicaProcess start() {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
                "-cp", classpath, "io.colmeia.broker.BrokerMain",
                "--node-id", nodeId, "--mqtt", mqtt.toString(), "--http", http.toString(),
                "--data-dir", dataDir.toString(), "--persistence", "memory", "--shutdown-grace", "1s",
                "--mongodb-uri", mongodbUri, "--ack", "persisted",
                // give up on an unreachable store quickly: the spool takes over
                "--write-timeout", "1s", "--write-retries", "1"));
        try {
            Files.createDirectories(dataDir);
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve("replica.log").toFile()));
            builder.environment().keySet().removeIf(k -> k.startsWith("COLMEIA_"));
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        awaitReady(Duration.ofSeconds(90));
        return this;
    }

    private void awaitReady(Duration timeout) {
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
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        close();
        throw new IllegalStateException(nodeId + " not ready within " + timeout + ":\n" + logTail());
    }

    /** SIGKILL: no drain, no final write; what was acknowledged must already be durable. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            throw new IllegalStateException(nodeId + " did not die within 15 s");
        }
    }

    /** The value of the first /metrics sample starting with {@code prefix}, or 0 when there is none. */
    double metric(String prefix) throws IOException, InterruptedException {
        return TelemetryFixtures.metric(get("/metrics").body(), prefix);
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
                    process.destroyForcibly();
                    process.waitFor(15, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}

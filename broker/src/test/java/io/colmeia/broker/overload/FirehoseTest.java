package io.colmeia.broker.overload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.colmeia.common.config.HostPort;
import io.colmeia.common.testing.FreePorts;
import io.colmeia.common.testing.MqttClients;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A QoS 0 firehose from several publishers to a subscriber that hardly reads, against a replica in its own JVM
 * with a 128 MiB heap: plain HiveMQ CE fills such a heap in seconds and then neither serves nor obeys SIGTERM.
 * With backpressure the replica stays alive and answers while it lasts, recovers by itself, drops (and counts)
 * only QoS 0 excess, serves new clients afterwards and stops promptly on SIGTERM.
 */
class FirehoseTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Duration FIREHOSE = Duration.ofSeconds(8);
    private static final int PUBLISHERS = 3;

    @TempDir
    Path dir;

    @Test
    void aSmallHeapReplicaSurvivesAQos0FirehoseAndStaysResponsive() throws Exception {
        HostPort mqtt = FreePorts.on("127.0.0.1");
        HostPort http = FreePorts.on("127.0.0.1");
        Process replica = start(mqtt, http);
        List<Socket> sockets = new ArrayList<>();
        try {
            awaitReady(replica, http, Duration.ofSeconds(120));

            Socket subscriber = connect(mqtt, "slow-subscriber");
            sockets.add(subscriber);
            subscriber.getOutputStream().write(subscribe("fire/#"));
            subscriber.getOutputStream().flush();
            Thread slowReader = slowReader(subscriber.getInputStream());

            AtomicLong sent = new AtomicLong();
            CountDownLatch done = new CountDownLatch(PUBLISHERS);
            long stopAt = System.nanoTime() + FIREHOSE.toNanos();
            for (int i = 0; i < PUBLISHERS; i++) {
                Socket publisher = connect(mqtt, "firehose-" + i);
                sockets.add(publisher);
                byte[] packet = publish("fire/" + i, new byte[120]);
                Thread t = new Thread(() -> {
                    try (OutputStream out = new BufferedOutputStream(publisher.getOutputStream(), 64 * 1024)) {
                        while (System.nanoTime() < stopAt) {
                            for (int k = 0; k < 100; k++) {
                                out.write(packet);
                            }
                            sent.addAndGet(100);
                        }
                    } catch (IOException stopped) {
                        // closed by the test when time is up while the broker was not reading
                    } finally {
                        done.countDown();
                    }
                }, "firehose-" + i);
                t.setDaemon(true);
                t.start();
            }

            // while the firehose runs, the replica keeps answering its status endpoint and its heap stays bounded
            double highestLive = 0;
            int unanswered = 0;
            while (System.nanoTime() < stopAt) {
                String metrics = tryGet(http, "/metrics");
                if (metrics == null) {
                    unanswered++;
                } else {
                    highestLive = Math.max(highestLive, metric(metrics, "colmeia_broker_heap_live_ratio"));
                }
                Thread.sleep(500);
            }
            // publishers blocked in a write (the broker stopped reading them) are released by closing them
            if (!done.await(2, TimeUnit.SECONDS)) {
                closeAll(sockets);
            }
            done.await(10, TimeUnit.SECONDS);
            closeAll(sockets);
            slowReader.join(5000);

            assertTrue(replica.isAlive(), "the replica died under the firehose:\n" + logTail());
            assertTrue(unanswered <= 4, unanswered + " status requests went unanswered during the firehose");
            assertTrue(highestLive < 0.85, "live heap reached " + highestLive + " of the maximum");

            // it recovers by itself: ready again, heap back down, and a new client gets a message through
            awaitReady(replica, http, Duration.ofSeconds(30));
            String after = get(http, "/metrics");
            double dropped = metric(after, "colmeia_broker_messages_dropped_total");
            double paused = metric(after, "colmeia_broker_backpressure_episodes_total");
            assertTrue(dropped + paused > 0, "the firehose (" + sent.get() + " messages) never overloaded the"
                    + " replica: no QoS 0 drop and no pause were counted");
            assertRoundTrip(mqtt);

            // and SIGTERM stops it promptly
            long sigterm = System.nanoTime();
            replica.destroy();
            assertTrue(replica.waitFor(45, TimeUnit.SECONDS), "the replica ignored SIGTERM:\n" + logTail());
            System.out.printf("firehose: %d messages sent, %.0f QoS 0 dropped (counted), %.0f pause episodes,"
                            + " live heap at most %.0f%%, stopped %d ms after SIGTERM%n", sent.get(), dropped, paused,
                    highestLive * 100, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sigterm));
        } finally {
            closeAll(sockets);
            if (replica.isAlive()) {
                replica.destroyForcibly();
                replica.waitFor(15, TimeUnit.SECONDS);
            }
        }
    }

    private void assertRoundTrip(HostPort mqtt) throws Exception {
        MqttClient client = MqttClients.connect(mqtt.toString(), "after-firehose", true);
        try {
            CountDownLatch got = new CountDownLatch(1);
            client.subscribe("after/firehose", 1, (topic, message) -> got.countDown());
            client.publish("after/firehose", "still here".getBytes(StandardCharsets.UTF_8), 1, false);
            assertTrue(got.await(20, TimeUnit.SECONDS), "a publish after the firehose did not come through");
        } finally {
            MqttClients.closeQuietly(client);
        }
    }

    private Process start(HostPort mqtt, HostPort http) throws IOException {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:TieredStopAtLevel=1", "-Xss512k", "-cp", classpath, "io.colmeia.broker.BrokerMain",
                "--node-id", "firehose", "--mqtt", mqtt.toString(), "--http", http.toString(),
                "--data-dir", dir.resolve("data").toString(), "--persistence", "memory", "--telemetry", "off",
                "--shutdown-grace", "1s", "--warmup-messages", "2000");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("replica.log").toFile()));
        builder.environment().keySet().removeIf(k -> k.startsWith("COLMEIA_"));
        return builder.start();
    }

    private void awaitReady(Process replica, HostPort http, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!replica.isAlive()) {
                throw new AssertionError("the replica exited with " + replica.exitValue() + ":\n" + logTail());
            }
            try {
                HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                                URI.create("http://" + http + "/ready")).timeout(Duration.ofSeconds(3)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet, or busy
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the replica was not ready within " + timeout + ":\n" + logTail());
    }

    /** Reads 512 bytes every 20 ms: about 25 KB/s, far slower than the publishers. */
    private static Thread slowReader(InputStream in) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[512];
            try {
                while (in.read(buffer) >= 0) {
                    Thread.sleep(20);
                }
            } catch (IOException | InterruptedException closed) {
                // the test closed the socket
            }
        }, "slow-subscriber");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static Socket connect(HostPort mqtt, String clientId) throws IOException {
        Socket socket = new Socket(mqtt.host(), mqtt.port());
        socket.setSoTimeout(30_000);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        string(body, "MQTT".getBytes(StandardCharsets.US_ASCII));
        body.write(4);
        body.write(0x02);
        body.write(0);
        body.write(60);
        string(body, clientId.getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().write(packet(0x10, body.toByteArray()));
        socket.getOutputStream().flush();
        byte[] connack = socket.getInputStream().readNBytes(4);
        assertEquals(0x20, connack[0] & 0xFF, "CONNACK expected for " + clientId);
        assertEquals(0, connack[3], "CONNACK refused " + clientId);
        return socket;
    }

    private static byte[] subscribe(String filter) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(0);
        body.write(1);
        string(body, filter.getBytes(StandardCharsets.UTF_8));
        body.write(0);
        return packet(0x82, body.toByteArray());
    }

    private static byte[] publish(String topic, byte[] payload) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        string(body, topic.getBytes(StandardCharsets.UTF_8));
        body.write(payload, 0, payload.length);
        return packet(0x30, body.toByteArray());
    }

    private static void string(ByteArrayOutputStream out, byte[] bytes) {
        out.write(bytes.length >> 8);
        out.write(bytes.length & 0xFF);
        out.write(bytes, 0, bytes.length);
    }

    private static byte[] packet(int header, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(header);
        int length = body.length;
        do {
            int digit = length % 128;
            length /= 128;
            out.write(length > 0 ? digit | 0x80 : digit);
        } while (length > 0);
        out.write(body, 0, body.length);
        return out.toByteArray();
    }

    private static void closeAll(List<Socket> sockets) {
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private static String tryGet(HostPort http, String path) {
        try {
            return get(http, path);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String get(HostPort http, String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + http + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Sum of every sample of {@code name} in a Prometheus text page. */
    private static double metric(String text, String name) {
        Matcher m = Pattern.compile("^" + Pattern.quote(name) + "\\{[^}]*} (\\S+)$", Pattern.MULTILINE)
                .matcher(text);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return sum;
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("replica.log"), StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}

package io.colmeia.ingress.support;

import io.colmeia.common.testing.FreePorts;
import io.colmeia.common.config.HostPort;
import io.colmeia.common.probe.MqttProbe;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real broker replica for tests: Debian's mosquitto on a loopback address with a temporary config (no
 * persistence, anonymous clients). Tests are skipped with a clear message when the binary is absent
 * ({@code apt-get install -y mosquitto}).
 */
public final class Mosquitto implements AutoCloseable {

    private static final String[] CANDIDATES = {"/usr/sbin/mosquitto", "/usr/bin/mosquitto",
            "/usr/local/sbin/mosquitto"};

    private final HostPort address;
    private final Path dir;
    private Process process;

    private Mosquitto(HostPort address, Path dir) {
        this.address = address;
        this.dir = dir;
    }

    public static Path binary() {
        for (String candidate : CANDIDATES) {
            if (Files.isExecutable(Path.of(candidate))) {
                return Path.of(candidate);
            }
        }
        return null;
    }

    /** Skips the calling test (class) unless mosquitto is installed. */
    public static void assumeInstalled() {
        Assumptions.assumeTrue(binary() != null,
                "mosquitto is not installed (apt-get install -y mosquitto); skipping tests that need real brokers");
    }

    /** Starts mosquitto on a free port of {@code loopbackHost} and waits until it answers MQTT. */
    public static Mosquitto start(String loopbackHost) {
        assumeInstalled();
        try {
            Mosquitto m = new Mosquitto(FreePorts.on(loopbackHost), Files.createTempDirectory("colmeia-mosquitto"));
            m.start();
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** (Re)starts the process on the same address. */
    public synchronized void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        try {
            Path conf = dir.resolve("mosquitto.conf");
            Files.writeString(conf, "listener " + address.port() + " " + address.host() + "\n"
                    + "allow_anonymous true\n"
                    + "persistence false\n"
                    + "max_queued_messages 100000\n"
                    + "set_tcp_nodelay true\n");
            process = new ProcessBuilder(binary().toString(), "-c", conf.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("mosquitto.log").toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("mosquitto exited at start; see " + dir.resolve("mosquitto.log"));
            }
            if (MqttProbe.probe(address, "test-start-probe", Duration.ofMillis(500)).healthy()) {
                return;
            }
            sleep(50);
        }
        close();
        throw new IllegalStateException("mosquitto did not answer MQTT on " + address + " within 10 s");
    }

    /** Kills the process at once (SIGKILL): its TCP connections are reset, as when a replica crashes. */
    public synchronized void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Freezes (SIGSTOP) or thaws (SIGCONT) the process: a frozen broker's kernel still accepts TCP. */
    public synchronized void signal(String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                .redirectErrorStream(true).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
        }
    }

    public HostPort address() {
        return address;
    }

    public String uri() {
        return "tcp://" + address;
    }

    @Override
    public synchronized void close() {
        kill();
        process = null;
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // a temp dir left behind is harmless
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

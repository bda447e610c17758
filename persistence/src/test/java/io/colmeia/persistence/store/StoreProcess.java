package io.colmeia.persistence.store;

import io.colmeia.common.config.HostPort;
import io.colmeia.persistence.Loopback;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code colmeia store} as a child process (same test classpath), killable with SIGKILL. */
public final class StoreProcess implements AutoCloseable {

    private final HostPort listen;
    private final HostPort http;
    private final Path log;
    private Process process;

    private StoreProcess(HostPort listen, Path log) {
        this.listen = listen;
        this.http = Loopback.freeAddress();
        this.log = log;
    }

    /** Starts the store on {@code listen} with its data in {@code dataDir} and waits until /ready says so. */
    public static StoreProcess start(HostPort listen, Path dataDir) throws IOException, InterruptedException {
        StoreProcess p = new StoreProcess(listen, dataDir.resolveSibling(dataDir.getFileName() + ".log"));
        p.launch(dataDir);
        return p;
    }

    private void launch(Path dataDir) throws IOException, InterruptedException {
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), StoreMain.class.getName(),
                "--node-id", "store-test", "--listen", listen.toString(), "--http", http.toString(),
                "--data-dir", dataDir.toString());
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        awaitReady(Duration.ofSeconds(30));
    }

    private void awaitReady(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("store exited with " + process.exitValue() + ":\n" + logTail());
            }
            try {
                HttpURLConnection c = (HttpURLConnection) URI.create("http://" + http + "/ready").toURL()
                        .openConnection();
                c.setConnectTimeout(500);
                c.setReadTimeout(500);
                if (c.getResponseCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        close();
        throw new IOException("store not ready within " + timeout + ":\n" + logTail());
    }

    public String connectionString() {
        return "mongodb://" + listen + "/?replicaSet=rs0";
    }

    /** SIGKILL: no shutdown hook, no final commit. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("store did not die within 10 s");
        }
    }

    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

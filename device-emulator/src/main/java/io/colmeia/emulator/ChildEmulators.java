package io.colmeia.emulator;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * More devices than one process may open connections for: this process starts child emulators (same JVM
 * binary and class path, same options) each running a disjoint slice of the devices, forwards a stop to them
 * and waits for them. The first child also runs the subscribers; child {@code i} serves HTTP on port + i.
 */
final class ChildEmulators {

    private static final Logger LOG = LoggerFactory.getLogger(ChildEmulators.class);
    private static final long STOP_WAIT_SECONDS = 20;
    /** Options this class sets per child; the user's values for them are replaced. */
    static final Set<String> PER_CHILD = Set.of("--devices", "--device-offset", "--node-id", "--http",
            "--subscribers", "--devices-per-process");

    private final List<Process> children = new ArrayList<>();
    private final List<Thread> pumps = new ArrayList<>();

    /** The user's arguments without the per-child options (both "--opt value" and "--opt=value"). */
    static List<String> sharedArguments(List<String> original) {
        List<String> shared = new ArrayList<>();
        for (int i = 0; i < original.size(); i++) {
            String arg = original.get(i);
            int eq = arg.indexOf('=');
            String name = eq < 0 ? arg : arg.substring(0, eq);
            if (PER_CHILD.contains(name)) {
                if (eq < 0) {
                    i++; // skip the value too
                }
                continue;
            }
            shared.add(arg);
        }
        return shared;
    }

    /** Starts one child per slice; returns the command lines (for the log). */
    List<List<String>> start(List<String> shared, int devices, int perProcess, int offset, String nodeId,
                             int subscribers, String httpHost, int httpPort) throws java.io.IOException {
        List<List<String>> commands = new ArrayList<>();
        int slices = (devices + perProcess - 1) / perProcess;
        for (int i = 0; i < slices; i++) {
            int n = Math.min(perProcess, devices - i * perProcess);
            List<String> cmd = new ArrayList<>(jvm());
            cmd.add(EmulatorMain.class.getName());
            cmd.add("emulate");
            cmd.addAll(shared);
            cmd.addAll(List.of("--devices", Integer.toString(n),
                    "--device-offset", Integer.toString(offset + i * perProcess),
                    "--devices-per-process", Integer.toString(n),
                    "--node-id", nodeId + "-" + (i + 1),
                    "--subscribers", Integer.toString(i == 0 ? subscribers : 0)));
            if (httpHost != null) {
                cmd.addAll(List.of("--http", httpHost + ":" + (httpPort + i)));
            }
            Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            child.getOutputStream().close(); // children read nothing
            children.add(child);
            pumps.add(pump(child));
            commands.add(cmd);
        }
        return commands;
    }

    /** Waits for every child; the highest exit status wins. */
    int await() throws InterruptedException {
        int status = 0;
        for (Process p : children) {
            status = Math.max(status, p.waitFor());
        }
        for (Thread t : pumps) {
            t.join(2000);
        }
        return status;
    }

    /** SIGTERM to every child (each prints its summary), bounded wait, then kill what is left. */
    void stop() {
        children.forEach(Process::destroy);
        for (Process p : children) {
            try {
                if (!p.waitFor(STOP_WAIT_SECONDS, TimeUnit.SECONDS)) {
                    LOG.warn("child emulator {} did not stop within {} s; killing it", p.pid(), STOP_WAIT_SECONDS);
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
    }

    /** Copies a child's output, line by line, to this process's standard output. */
    private static Thread pump(Process child) {
        Thread t = new Thread(() -> {
            try (java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(
                    child.getInputStream(), java.nio.charset.StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    System.out.println(line);
                }
            } catch (java.io.IOException e) {
                LOG.debug("output of child emulator {} ended: {}", child.pid(), e.toString());
            }
        }, "child-emulator-output-" + child.pid());
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static List<String> jvm() {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("-Xmx") || arg.startsWith("-Xms") || arg.startsWith("-Xss")) {
                cmd.add(arg);
            }
        }
        cmd.add("-Ddnsjava.configprovider.skipinit=true");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        return cmd;
    }
}

package io.colmeia.launcher.local;

import io.colmeia.common.config.Converters;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code colmeia down}: stops exactly the processes {@code up} started (SIGTERM, then SIGKILL). */
@Command(name = "down", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Stop every process the local cluster started: SIGTERM, then SIGKILL after --timeout.")
public final class DownCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    LocalClusterOptions cluster = new LocalClusterOptions();

    @Option(names = "--timeout", defaultValue = "30s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "Time to wait after SIGTERM before SIGKILL (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() {
        StatusOutput out = new StatusOutput(spec.commandLine().getOut());
        Optional<ClusterState> loaded = ClusterState.load(cluster.dir());
        if (loaded.isEmpty()) {
            out.line("no local cluster is running in " + cluster.dir());
            return 0;
        }
        ClusterState state = loaded.get();
        // the launcher (foreground 'up', or the detached supervisor) goes first: it would otherwise restart the
        // processes we stop, or report them as crashed; on SIGTERM it stops them itself
        state.launcher().ifPresent(launcher -> {
            out.line("stopping the supervisor / foreground 'colmeia up' (pid " + launcher.pid() + ")");
            launcher.destroy();
            try {
                launcher.onExit().get(timeout.toMillis() + 10_000, TimeUnit.MILLISECONDS);
            } catch (Exception notInTime) {
                out.line("pid " + launcher.pid() + " did not stop in time; killing it");
                launcher.destroyForcibly();
            }
        });
        // whatever it left running: the processes we knew of, and any it restarted meanwhile
        List<ManagedProcess> remaining = new ArrayList<>(state.processes());
        ClusterState.load(cluster.dir()).ifPresent(latest -> remaining.addAll(latest.processes()));
        List<String> killed = ProcessControl.stop(remaining, timeout, out);
        ClusterState.delete(cluster.dir());
        out.line("local cluster stopped" + (killed.isEmpty() ? "" : "; killed after timeout: " + killed));
        return 0;
    }
}

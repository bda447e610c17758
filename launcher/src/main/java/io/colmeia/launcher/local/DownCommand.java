package io.colmeia.launcher.local;

import io.colmeia.common.config.Converters;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
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
        // a foreground 'up' would otherwise report every process as crashed
        state.launcher().ifPresent(launcher -> {
            out.line("stopping the foreground 'colmeia up' (pid " + launcher.pid() + ")");
            launcher.destroy();
        });
        List<String> killed = ProcessControl.stop(state.processes(), timeout, out);
        state.launcher().ifPresent(ProcessHandle::destroyForcibly);
        ClusterState.delete(cluster.dir());
        out.line("local cluster stopped" + (killed.isEmpty() ? "" : "; killed after timeout: " + killed));
        return 0;
    }
}

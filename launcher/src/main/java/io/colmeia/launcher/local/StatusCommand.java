package io.colmeia.launcher.local;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code colmeia status}: each process of the local cluster, its address and whether it is ready. */
@Command(name = "status", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Show the processes of the local cluster and probe each one's /ready.",
                "Exit code 0 only if every process is ready; 1 otherwise or when no cluster runs."})
public final class StatusCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    LocalClusterOptions cluster = new LocalClusterOptions();

    @Option(names = "--json", description = "Print JSON for scripts: {\"name\": ..., \"processes\": [...]}.")
    boolean json;

    @Override
    public Integer call() {
        Optional<ClusterState> state = ClusterState.load(cluster.dir());
        List<StatusTable.Row> rows = state.map(s -> StatusTable.observe(s.processes())).orElse(List.of());
        String name = state.map(ClusterState::name).orElse(ClusterState.SERVICE_NAME);
        if (json) {
            spec.commandLine().getOut().println(StatusTable.json(name, rows));
        } else if (state.isEmpty()) {
            spec.commandLine().getOut().println("no local cluster is running in " + cluster.dir()
                    + " (start one with 'colmeia up')");
        } else {
            long ready = rows.stream().filter(StatusTable.Row::ready).count();
            spec.commandLine().getOut().print(StatusTable.text(rows));
            spec.commandLine().getOut().println(name + ": " + ready + " of " + rows.size() + " processes ready");
        }
        spec.commandLine().getOut().flush();
        return StatusTable.allReady(rows) ? 0 : 1;
    }
}

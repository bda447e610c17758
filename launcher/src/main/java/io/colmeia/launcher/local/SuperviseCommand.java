package io.colmeia.launcher.local;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code colmeia supervise} (hidden): the detached supervisor {@code up --detach} starts. Runs the cluster of
 * {@code run/launch.json} under supervision until SIGTERM ({@code colmeia down}), then stops every process.
 */
@Command(name = "supervise", hidden = true, mixinStandardHelpOptions = true,
        description = "Internal: run the local cluster planned by 'colmeia up --detach' under supervision"
                + " until SIGTERM.")
public final class SuperviseCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    LocalClusterOptions cluster = new LocalClusterOptions();

    @Override
    public Integer call() throws Exception {
        StatusOutput out = new StatusOutput(spec.commandLine().getOut());
        LaunchPlan launch = LaunchPlan.load(cluster.dir());
        out.line("supervisor pid " + ProcessHandle.current().pid() + " starting " + launch.processes().size()
                + " processes");
        return new Supervisor(cluster.dir(), launch, out).runUntilStopped(() -> out.line("cluster ready;"
                + " supervising (restart policy " + (launch.restart().mode() == RestartPolicy.Mode.NO ? "no"
                : "on-failure") + ")"));
    }
}

package io.colmeia.launcher;

import io.colmeia.broker.BrokerCommand;
import io.colmeia.common.config.CommandLines;
import io.colmeia.common.config.EnvironmentDefaults;
import io.colmeia.dns.DnsCommand;
import io.colmeia.emulator.EmulateCommand;
import io.colmeia.emulator.bench.BenchCommand;
import io.colmeia.ingress.IngressCommand;
import io.colmeia.persistence.store.StoreCommand;
import io.colmeia.launcher.docs.ConfigurationDocsCommand;
import io.colmeia.launcher.drill.DrillCommand;
import io.colmeia.launcher.local.DownCommand;
import io.colmeia.launcher.local.StatusCommand;
import io.colmeia.launcher.local.SuperviseCommand;
import io.colmeia.launcher.local.UpCommand;
import io.colmeia.launcher.users.UsersCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code colmeia} command: one subcommand per component, and up/status/down for a local cluster. */
@Command(name = "colmeia", mixinStandardHelpOptions = true,
        versionProvider = Colmeia.Version.class,
        description = {"colmeia: an IoT MQTT broker cluster.",
                "Every option can also be set with an environment variable COLMEIA_<OPTION_NAME>,"
                        + " e.g. --node-id as COLMEIA_NODE_ID; a flag wins over the environment."},
        subcommands = {BrokerCommand.class, IngressCommand.class, DnsCommand.class, StoreCommand.class,
                EmulateCommand.class, BenchCommand.class, UpCommand.class, StatusCommand.class, DownCommand.class,
                UsersCommand.class, SuperviseCommand.class, DrillCommand.class,
                ConfigurationDocsCommand.class})
public final class Colmeia implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.setProperty("dnsjava.configprovider.skipinit", "true");
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code (tests call this; main exits with it). */
    public static int execute(String... args) {
        return commandLine(new EnvironmentDefaults()).execute(args);
    }

    public static CommandLine commandLine(EnvironmentDefaults environment) {
        return CommandLines.standard(new Colmeia(), environment);
    }

    /** Version from the jar manifest. */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Colmeia.class.getPackage().getImplementationVersion();
            return new String[] {"colmeia " + (v == null ? "dev" : v)};
        }
    }
}

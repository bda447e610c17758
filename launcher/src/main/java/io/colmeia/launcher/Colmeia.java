package io.colmeia.launcher;

import io.colmeia.broker.BrokerCommand;
import io.colmeia.common.config.EnvironmentDefaults;
import io.colmeia.common.config.InvalidConfigurationException;
import io.colmeia.dns.DnsCommand;
import io.colmeia.emulator.EmulateCommand;
import io.colmeia.emulator.bench.BenchCommand;
import io.colmeia.ingress.IngressCommand;
import io.colmeia.persistence.store.StoreCommand;
import io.colmeia.launcher.docs.ConfigurationDocsCommand;
import io.colmeia.launcher.local.DownCommand;
import io.colmeia.launcher.local.StatusCommand;
import io.colmeia.launcher.local.UpCommand;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;

/** The {@code colmeia} command: one subcommand per component, and up/status/down for a local cluster. */
@Command(name = "colmeia", mixinStandardHelpOptions = true,
        versionProvider = Colmeia.Version.class,
        description = {"colmeia: an IoT MQTT broker cluster.",
                "Every option can also be set with an environment variable COLMEIA_<OPTION_NAME>,"
                        + " e.g. --node-id as COLMEIA_NODE_ID; a flag wins over the environment."},
        subcommands = {BrokerCommand.class, IngressCommand.class, DnsCommand.class, StoreCommand.class,
                EmulateCommand.class, BenchCommand.class, UpCommand.class, StatusCommand.class, DownCommand.class,
                ConfigurationDocsCommand.class})
public final class Colmeia implements Runnable {

    /** Exit code for bad options and bad configuration (picocli's usage code). */
    public static final int EXIT_USAGE = 2;

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
        CommandLine cli = new CommandLine(new Colmeia());
        cli.setDefaultValueProvider(environment);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setParameterExceptionHandler((ex, args) -> reportBadOption(ex, environment));
        cli.setExecutionExceptionHandler((ex, line, parseResult) -> {
            PrintWriter err = line.getErr();
            Throwable cause = ex;
            if (cause instanceof InvalidConfigurationException bad) {
                err.println(line.getColorScheme().errorText("colmeia " + line.getCommandName() + ": invalid "
                        + bad.getMessage()));
                return EXIT_USAGE;
            }
            err.println(line.getColorScheme().errorText("colmeia " + line.getCommandName() + " failed: "
                    + describe(cause)));
            return 1;
        });
        return cli;
    }

    private static int reportBadOption(ParameterException ex, EnvironmentDefaults environment) {
        CommandLine line = ex.getCommandLine();
        PrintWriter err = line.getErr();
        String message = ex.getMessage();
        ArgSpec arg = ex.getArgSpec();
        if (arg instanceof OptionSpec option && environment.suppliesValueFor(option)) {
            message += " (value from environment variable " + EnvironmentDefaults.variableFor(option) + ")";
        }
        err.println(line.getColorScheme().errorText("colmeia " + line.getCommandName() + ": " + message));
        err.println("Run '" + line.getCommandSpec().qualifiedName(" ") + " --help' for the options.");
        return EXIT_USAGE;
    }

    private static String describe(Throwable e) {
        StringBuilder text = new StringBuilder(e.getMessage() == null ? e.toString() : e.getMessage());
        Throwable cause = e.getCause();
        while (cause != null && cause != e && text.length() < 500) {
            if (cause.getMessage() != null && !text.toString().contains(cause.getMessage())) {
                text.append(": ").append(cause.getMessage());
            }
            e = cause;
            cause = cause.getCause();
        }
        return text.toString();
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

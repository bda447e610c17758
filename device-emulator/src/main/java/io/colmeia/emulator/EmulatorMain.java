package io.colmeia.emulator;

import io.colmeia.common.config.CommandLines;
import io.colmeia.common.config.EnvironmentDefaults;
import io.colmeia.emulator.bench.BenchCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Runs {@code emulate} and {@code bench} without the launcher (bench/run.sh uses it when {@code ./colmeia}
 * does not offer them): {@code java -cp ... io.colmeia.emulator.EmulatorMain emulate --help}.
 */
@Command(name = "colmeia-emulator", mixinStandardHelpOptions = true,
        description = "The colmeia device emulator and benchmark client.",
        subcommands = {EmulateCommand.class, BenchCommand.class})
public final class EmulatorMain implements Runnable {

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

    public static int execute(String... args) {
        return CommandLines.standard(new EmulatorMain(), new EnvironmentDefaults()).execute(args);
    }
}

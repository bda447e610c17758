package io.colmeia.common.config;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;

/**
 * How every colmeia entry point parses its command line: options also from COLMEIA_* variables, case-insensitive
 * enum values, and errors that name the option (and the variable when the bad value came from it).
 * Exit codes: 2 for a bad option or configuration, 1 for a failure while running.
 */
public final class CommandLines {

    public static final int EXIT_USAGE = 2;
    public static final int EXIT_FAILURE = 1;

    private CommandLines() {
    }

    public static CommandLine standard(Object command, EnvironmentDefaults environment) {
        CommandLine cli = new CommandLine(command);
        cli.setDefaultValueProvider(environment);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setParameterExceptionHandler((ex, args) -> reportBadOption(ex, environment));
        cli.setExecutionExceptionHandler((ex, line, parseResult) -> {
            PrintWriter err = line.getErr();
            String name = line.getCommandSpec().qualifiedName(" ");
            if (ex instanceof InvalidConfigurationException bad) {
                err.println(line.getColorScheme().errorText(name + ": invalid " + bad.getMessage()));
                return EXIT_USAGE;
            }
            err.println(line.getColorScheme().errorText(name + " failed: " + describe(ex)));
            return EXIT_FAILURE;
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
        String name = line.getCommandSpec().qualifiedName(" ");
        err.println(line.getColorScheme().errorText(name + ": " + message));
        err.println("Run '" + name + " --help' for the options.");
        return EXIT_USAGE;
    }

    /** The message of an exception and of its causes, without repeating what one already said. */
    static String describe(Throwable e) {
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
}

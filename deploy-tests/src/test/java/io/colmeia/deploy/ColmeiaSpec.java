package io.colmeia.deploy;

import io.colmeia.common.config.EnvironmentDefaults;
import io.colmeia.common.config.HostPort;
import io.colmeia.launcher.Colmeia;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** The {@code colmeia} command as the code defines it (picocli spec): the truth deployment files must match. */
final class ColmeiaSpec {

    private ColmeiaSpec() {
    }

    static CommandLine root() {
        return Colmeia.commandLine(new EnvironmentDefaults(Map.of()));
    }

    static TreeSet<String> subcommands() {
        return new TreeSet<>(root().getSubcommands().keySet());
    }

    static Optional<CommandLine> subcommand(String name) {
        return Optional.ofNullable(root().getSubcommands().get(name));
    }

    /** Environment variable → option of this subcommand, as {@link EnvironmentDefaults} maps them. */
    static Map<String, OptionSpec> variables(String subcommand) {
        CommandLine command = subcommand(subcommand)
                .orElseThrow(() -> new AssertionError("colmeia has no subcommand '" + subcommand + "'; it has "
                        + subcommands()));
        Map<String, OptionSpec> variables = new TreeMap<>();
        for (OptionSpec option : command.getCommandSpec().options()) {
            if (!option.usageHelp() && !option.versionHelp()) {
                variables.put(EnvironmentDefaults.variableFor(option), option);
            }
        }
        return variables;
    }

    /**
     * The value the option takes in a process started with this environment (the variable when set, else the
     * option's default), or null when it has neither.
     */
    static String effective(String subcommand, Map<String, String> environment, String optionName) {
        OptionSpec option = variables(subcommand).values().stream()
                .filter(o -> o.longestName().equals(optionName))
                .findFirst()
                .orElseThrow(() -> new AssertionError("colmeia " + subcommand + " has no option " + optionName));
        String fromEnvironment = environment.get(EnvironmentDefaults.variableFor(option));
        return fromEnvironment != null ? fromEnvironment : option.defaultValue();
    }

    static int port(String subcommand, Map<String, String> environment, String optionName) {
        String value = effective(subcommand, environment, optionName);
        if (value == null) {
            throw new AssertionError("colmeia " + subcommand + " " + optionName + " has no value and no default");
        }
        return HostPort.parse(value).port();
    }

    /**
     * Ports this subcommand listens on with this environment: every HOST:PORT option whose (effective) host is a
     * wildcard address. Remote addresses (peers, replicas, resolvers) are never wildcards, so they are not counted.
     */
    static Map<String, Integer> listeningPorts(String subcommand, Map<String, String> environment) {
        Map<String, Integer> ports = new TreeMap<>();
        for (OptionSpec option : variables(subcommand).values()) {
            if (option.type() != HostPort.class) {
                continue;
            }
            String value = effective(subcommand, environment, option.longestName());
            if (value == null || value.isBlank()) {
                continue;
            }
            HostPort address = HostPort.parse(value);
            if (address.host().equals("0.0.0.0") || address.host().equals("::") || address.host().equals("*")) {
                ports.put(option.longestName(), address.port());
            }
        }
        return ports;
    }

    /**
     * Parses {@code colmeia SUBCOMMAND} with this environment, so every option's type converter sees the value a
     * container would give it; a bad value throws with picocli's message.
     */
    static void parse(String subcommand, Map<String, String> environment) {
        CommandLine line = Colmeia.commandLine(new EnvironmentDefaults(environment));
        line.parseArgs(subcommand);
    }
}

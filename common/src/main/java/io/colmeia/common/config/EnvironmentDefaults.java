package io.colmeia.common.config;

import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Every option {@code --some-name} can also be set with the environment variable {@code COLMEIA_SOME_NAME}
 * (what containers use). A flag on the command line wins over the environment.
 */
public final class EnvironmentDefaults implements IDefaultValueProvider {

    public static final String PREFIX = "COLMEIA_";

    private final Map<String, String> environment;

    public EnvironmentDefaults() {
        this(System.getenv());
    }

    public EnvironmentDefaults(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    /** The environment variable that sets this option, e.g. --node-id → COLMEIA_NODE_ID. */
    public static String variableFor(OptionSpec option) {
        String longest = option.longestName().replaceFirst("^-+", "");
        return PREFIX + longest.replace('-', '_').toUpperCase(Locale.ROOT);
    }

    /** True when the option's value came from the environment rather than from the command line. */
    public boolean suppliesValueFor(ArgSpec arg) {
        return arg instanceof OptionSpec option && !option.usageHelp() && !option.versionHelp()
                && environment.containsKey(variableFor(option));
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (arg instanceof OptionSpec option && !option.usageHelp() && !option.versionHelp()) {
            String value = environment.get(variableFor(option));
            if (value != null) {
                return value;
            }
        }
        return arg.defaultValue();
    }
}

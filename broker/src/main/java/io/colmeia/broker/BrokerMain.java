package io.colmeia.broker;

import io.colmeia.common.config.EnvironmentDefaults;
import picocli.CommandLine;

/** Runs {@code colmeia broker} on its own (e.g. a replica process started by tests); options as documented there. */
public final class BrokerMain {

    private BrokerMain() {
    }

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new BrokerCommand());
        cli.setDefaultValueProvider(new EnvironmentDefaults());
        System.exit(cli.execute(args));
    }
}

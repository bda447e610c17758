package io.colmeia.broker;

import io.colmeia.common.config.CommandLines;
import io.colmeia.common.config.EnvironmentDefaults;

/** Runs {@code colmeia broker} on its own (e.g. a replica process started by tests); options as documented there. */
public final class BrokerMain {

    private BrokerMain() {
    }

    public static void main(String[] args) {
        System.exit(CommandLines.standard(new BrokerCommand(), new EnvironmentDefaults()).execute(args));
    }
}

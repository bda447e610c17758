package io.colmeia.persistence.store;

import io.colmeia.common.config.EnvironmentDefaults;
import picocli.CommandLine;

/** Runs {@code colmeia store} in a child JVM for tests (the launcher is not a dependency of this module). */
public final class StoreMain {

    private StoreMain() {
    }

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new StoreCommand());
        cli.setDefaultValueProvider(new EnvironmentDefaults());
        System.exit(cli.execute(args));
    }
}

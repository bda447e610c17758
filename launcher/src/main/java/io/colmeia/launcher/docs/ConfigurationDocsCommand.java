package io.colmeia.launcher.docs;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code colmeia config-docs}: prints docs/configuration.md from the options the code declares. */
@Command(name = "config-docs", mixinStandardHelpOptions = true, hidden = true,
        description = "Print the configuration reference (docs/configuration.md) generated from the code.")
public final class ConfigurationDocsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        CommandLine root = spec.commandLine().getParent();
        spec.commandLine().getOut().print(ConfigurationReference.render(root));
        spec.commandLine().getOut().flush();
        return 0;
    }
}

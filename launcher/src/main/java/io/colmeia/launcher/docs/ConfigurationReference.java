package io.colmeia.launcher.docs;

import io.colmeia.common.config.EnvironmentDefaults;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Renders every option of every subcommand, with its environment variable and default, as Markdown.
 * docs/configuration.md is this output; a test fails when they differ, so the docs cannot drift.
 */
public final class ConfigurationReference {

    private ConfigurationReference() {
    }

    public static String render(CommandLine root) {
        StringBuilder md = new StringBuilder();
        md.append("# Configuration reference\n\n");
        md.append("<!-- Generated from the code by `./colmeia config-docs > docs/configuration.md`;"
                + " a test checks it. Do not edit by hand. -->\n\n");
        md.append("Every option is a command-line flag and an environment variable: `--some-name` is also ")
                .append("`COLMEIA_SOME_NAME` (what containers use). A flag wins over the environment. ")
                .append("An invalid value stops the process at start with a message naming the option ")
                .append("(exit code 2).\n");
        for (Map.Entry<String, CommandLine> entry : root.getSubcommands().entrySet()) {
            CommandSpec command = entry.getValue().getCommandSpec();
            if (command.usageMessage().hidden()) {
                continue;
            }
            md.append("\n## `colmeia ").append(entry.getKey()).append("`\n\n");
            md.append(String.join(" ", command.usageMessage().description())).append("\n\n");
            md.append("| option | environment variable | default | description |\n");
            md.append("|---|---|---|---|\n");
            for (OptionSpec option : command.options()) {
                if (option.usageHelp() || option.versionHelp() || option.hidden()) {
                    continue;
                }
                String label = option.paramLabel() == null || option.arity().max() == 0 ? ""
                        : " " + option.paramLabel();
                String def = option.defaultValue() == null ? "" : "`" + option.defaultValue() + "`";
                String description = String.join(" ", option.description())
                        .replaceAll("\\s*\\(default: [^)]*\\)", "")
                        .replace("|", "\\|");
                md.append("| `").append(option.longestName()).append(label).append("` | `")
                        .append(EnvironmentDefaults.variableFor(option)).append("` | ").append(def).append(" | ")
                        .append(description).append(" |\n");
            }
        }
        return md.toString();
    }
}

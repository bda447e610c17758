package io.colmeia.common.config;

import picocli.CommandLine.Option;

/** Options every long-running component shares (mixed into its command). */
public class CommonOptions {

    @Option(names = "--log-level", defaultValue = "INFO", paramLabel = "LEVEL",
            description = "Log level: ERROR, WARN, INFO, DEBUG or TRACE (default: ${DEFAULT-VALUE}).")
    public LogLevel logLevel = LogLevel.INFO;

    public enum LogLevel { ERROR, WARN, INFO, DEBUG, TRACE }
}

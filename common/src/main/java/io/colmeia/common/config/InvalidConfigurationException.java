package io.colmeia.common.config;

/** A configuration value that cannot work; the message names the option and the reason. */
public class InvalidConfigurationException extends RuntimeException {

    private final String option;

    public InvalidConfigurationException(String option, String reason) {
        super(option + ": " + reason);
        this.option = option;
    }

    public String option() {
        return option;
    }
}

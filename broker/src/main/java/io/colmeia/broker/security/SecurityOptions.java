package io.colmeia.broker.security;

import io.colmeia.common.config.Converters;
import io.colmeia.common.config.HostPort;
import io.colmeia.common.config.InvalidConfigurationException;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

/**
 * The broker's security options, mixed into {@code colmeia broker}; {@link #toConfig()} validates them once.
 * Every option is also an environment variable {@code COLMEIA_<NAME>} (use it for the key store password).
 */
public class SecurityOptions {

    @Option(names = "--users-file", defaultValue = "", paramLabel = "FILE",
            description = "Users, roles and password hashes (JSON, see docs/security.md; manage it with"
                    + " `colmeia users`); re-read when it changes. Empty: no users (default: ${DEFAULT-VALUE}).")
    public String usersFile;

    @Option(names = "--users-reload-interval", defaultValue = "2s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "How often --users-file is checked for changes (default: ${DEFAULT-VALUE}).")
    public Duration usersReloadInterval;

    @Option(names = "--allow-anonymous", defaultValue = "loopback", paramLabel = "loopback|always|never",
            description = "Who admits clients without username and password (with full access): loopback = only"
                    + " listeners on a loopback address, with a warning at start; always = every listener, also"
                    + " those reachable from the network (say it explicitly, e.g. behind a trusted gateway);"
                    + " never = no listener (default: ${DEFAULT-VALUE}).")
    public ListenerPolicy.Anonymous allowAnonymous;

    @Option(names = "--max-publish-rate", defaultValue = "0", paramLabel = "PER_SECOND",
            description = "PUBLISH packets per second one client connection may send (bursts up to one second's"
                    + " worth); above it QoS 0 is dropped and QoS 1/2 refused, counted in"
                    + " colmeia_broker_publishes_rate_limited_total. 0: no limit (default: ${DEFAULT-VALUE}).")
    public int maxPublishRate;

    @Option(names = "--max-client-id-length", defaultValue = "256", paramLabel = "BYTES",
            description = "Longest client id accepted; longer ones are refused at CONNECT (default: ${DEFAULT-VALUE}).")
    public int maxClientIdLength;

    @Option(names = "--max-topic-length", defaultValue = "1024", paramLabel = "BYTES",
            description = "Longest topic name or filter accepted; a client sending a longer one is disconnected"
                    + " (default: ${DEFAULT-VALUE}).")
    public int maxTopicLength;

    @Option(names = "--mqtts", defaultValue = "", paramLabel = "HOST:PORT",
            converter = OptionalHostPort.class,
            description = "MQTT over TLS listener (TLS 1.2/1.3), e.g. 0.0.0.0:8883; needs --tls-keystore. Empty: none"
                    + " (default: ${DEFAULT-VALUE}).")
    public HostPort mqtts;

    @Option(names = "--tls-keystore", defaultValue = "", paramLabel = "FILE",
            description = "PKCS12 file with the server's private key and certificate chain for --mqtts"
                    + " (default: ${DEFAULT-VALUE}).")
    public String tlsKeystore;

    @Option(names = "--tls-keystore-password", paramLabel = "PASSWORD",
            description = "Password of --tls-keystore (and its key); prefer the environment variable"
                    + " COLMEIA_TLS_KEYSTORE_PASSWORD, the command line is visible to other users."
                    + " Unset: an empty password.")
    public String tlsKeystorePassword;

    public SecurityConfig toConfig() {
        TlsListenerConfig tls = null;
        if (mqtts != null) {
            if (tlsKeystore == null || tlsKeystore.isBlank()) {
                throw new InvalidConfigurationException("--tls-keystore", "is required with --mqtts");
            }
            tls = new TlsListenerConfig(mqtts, Path.of(tlsKeystore), tlsKeystorePassword).validate();
        } else if (tlsKeystore != null && !tlsKeystore.isBlank()) {
            throw new InvalidConfigurationException("--tls-keystore", "is given but --mqtts is not");
        }
        Path users = usersFile == null || usersFile.isBlank() ? null : Path.of(usersFile);
        return new SecurityConfig(users, usersReloadInterval, allowAnonymous, maxPublishRate, maxClientIdLength,
                maxTopicLength, tls);
    }

    /** HOST:PORT, or empty for none (null). */
    public static final class OptionalHostPort implements ITypeConverter<HostPort> {
        private final Converters.HostPortConverter delegate = new Converters.HostPortConverter();

        @Override
        public HostPort convert(String value) {
            return value == null || value.isBlank() ? null : delegate.convert(value);
        }
    }
}

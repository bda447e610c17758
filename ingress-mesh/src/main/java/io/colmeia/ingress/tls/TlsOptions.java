package io.colmeia.ingress.tls;

import io.colmeia.common.config.Converters;
import io.colmeia.common.config.HostPort;
import io.colmeia.common.config.InvalidConfigurationException;
import io.netty.handler.ssl.SslContext;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

/** The ingress's TLS listener options, mixed into {@code colmeia ingress}; {@link #toTermination()} validates. */
public class TlsOptions {

    @Option(names = "--mqtts", defaultValue = "", paramLabel = "HOST:PORT", converter = OptionalHostPort.class,
            description = "MQTT over TLS listener (TLS 1.2/1.3), e.g. 0.0.0.0:8883: TLS ends here, the CONNECT is"
                    + " read and routed like on --mqtt. Needs --tls-cert and --tls-key, or --tls-keystore."
                    + " Empty: none (default: ${DEFAULT-VALUE}).")
    public HostPort mqtts;

    @Option(names = "--tls-cert", defaultValue = "", paramLabel = "FILE",
            description = "PEM file with the server certificate chain, leaf first (default: ${DEFAULT-VALUE}).")
    public String tlsCert;

    @Option(names = "--tls-key", defaultValue = "", paramLabel = "FILE",
            description = "PEM file with the unencrypted PKCS#8 private key of --tls-cert (default: ${DEFAULT-VALUE}).")
    public String tlsKey;

    @Option(names = "--tls-keystore", defaultValue = "", paramLabel = "FILE",
            description = "PKCS12 file with key and chain, instead of --tls-cert/--tls-key (default: ${DEFAULT-VALUE}).")
    public String tlsKeystore;

    @Option(names = "--tls-keystore-password", paramLabel = "PASSWORD",
            description = "Password of --tls-keystore; prefer COLMEIA_TLS_KEYSTORE_PASSWORD, the command line is"
                    + " visible to other users. Unset: an empty password.")
    public String tlsKeystorePassword;

    @Option(names = "--tls-handshake-timeout", defaultValue = "10s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "Longest TLS handshake before the connection is closed (default: ${DEFAULT-VALUE}).")
    public Duration handshakeTimeout;

    /** The TLS listener, or null when --mqtts is not set. */
    public TlsTermination toTermination() {
        boolean pem = !tlsCert.isBlank() || !tlsKey.isBlank();
        boolean pkcs12 = !tlsKeystore.isBlank();
        if (mqtts == null) {
            if (pem || pkcs12) {
                throw new InvalidConfigurationException("--mqtts", "is needed when --tls-cert, --tls-key or"
                        + " --tls-keystore is given");
            }
            return null;
        }
        if (handshakeTimeout == null || handshakeTimeout.isZero() || handshakeTimeout.isNegative()) {
            throw new InvalidConfigurationException("--tls-handshake-timeout", "must be longer than 0");
        }
        SslContext context;
        if (pem && pkcs12) {
            throw new InvalidConfigurationException("--tls-keystore", "give either --tls-keystore or"
                    + " --tls-cert with --tls-key, not both");
        } else if (pkcs12) {
            context = TlsTermination.fromPkcs12(Path.of(tlsKeystore),
                    (tlsKeystorePassword == null ? "" : tlsKeystorePassword).toCharArray());
        } else if (!tlsCert.isBlank() && !tlsKey.isBlank()) {
            context = TlsTermination.fromPem(Path.of(tlsCert), Path.of(tlsKey));
        } else {
            throw new InvalidConfigurationException("--tls-cert", "--mqtts needs --tls-cert and --tls-key, or"
                    + " --tls-keystore");
        }
        return new TlsTermination(mqtts, context, handshakeTimeout);
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

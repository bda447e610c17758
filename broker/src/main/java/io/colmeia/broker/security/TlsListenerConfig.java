package io.colmeia.broker.security;

import io.colmeia.common.config.HostPort;
import io.colmeia.common.config.InvalidConfigurationException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Collections;

/**
 * The broker's MQTT-over-TLS listener (HiveMQ's tls-tcp-listener): a PKCS12 key store holding the server's key
 * and certificate chain. TLS 1.2 and 1.3 only.
 */
public record TlsListenerConfig(HostPort address, Path keyStore, String keyStorePassword) {

    public TlsListenerConfig {
        if (address == null) {
            throw new InvalidConfigurationException("--mqtts", "missing address");
        }
        if (keyStore == null) {
            throw new InvalidConfigurationException("--tls-keystore", "is required with --mqtts");
        }
        keyStorePassword = keyStorePassword == null ? "" : keyStorePassword;
    }

    /** Opens the key store once at start, so a wrong path or password fails with a clear message. */
    public TlsListenerConfig validate() {
        if (!Files.isReadable(keyStore)) {
            throw new InvalidConfigurationException("--tls-keystore", keyStore + " is not a readable file");
        }
        try (InputStream in = Files.newInputStream(keyStore)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, keyStorePassword.toCharArray());
            boolean hasKey = false;
            for (String alias : Collections.list(ks.aliases())) {
                hasKey |= ks.isKeyEntry(alias);
            }
            if (!hasKey) {
                throw new InvalidConfigurationException("--tls-keystore", keyStore + " holds no private key");
            }
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new InvalidConfigurationException("--tls-keystore", "cannot open " + keyStore
                    + " as PKCS12 with --tls-keystore-password: " + e.getMessage());
        }
        return this;
    }

}

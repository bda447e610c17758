package io.colmeia.broker.hivemq;

import io.colmeia.broker.BrokerConfig;
import io.colmeia.broker.security.TlsListenerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Renders HiveMQ's config.xml from our typed configuration. Everything HiveMQ reads comes from here, sized
 * for a telemetry fleet rather than HiveMQ's defaults (e.g. its 1000-message per-client queue).
 */
public final class HiveMqConfigFile {

    private HiveMqConfigFile() {
    }

    public static String render(BrokerConfig config) {
        String mode = config.persistence() == BrokerConfig.PersistenceMode.file ? "file" : "in-memory";
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <!-- Written by colmeia at every start from its configuration; edits here are overwritten. -->
                <hivemq>
                    <listeners>
                        <tcp-listener>
                            <port>%d</port>
                            <bind-address>%s</bind-address>
                            <name>mqtt</name>
                        </tcp-listener>
                %s    </listeners>
                    <mqtt>
                        <queued-messages>
                            <max-queue-size>%d</max-queue-size>
                            <strategy>discard</strategy>
                        </queued-messages>
                        <packets>
                            <max-packet-size>%d</max-packet-size>
                        </packets>
                    </mqtt>
                    <restrictions>
                        <max-connections>%d</max-connections>
                        <no-connect-idle-timeout>%d</no-connect-idle-timeout>
                        <max-client-id-length>%d</max-client-id-length>
                        <max-topic-length>%d</max-topic-length>
                    </restrictions>
                    <persistence>
                        <mode>%s</mode>
                    </persistence>
                    <anonymous-usage-statistics>
                        <enabled>false</enabled>
                    </anonymous-usage-statistics>
                </hivemq>
                """.formatted(config.mqtt().port(), xml(config.mqtt().host()), tlsListener(config.security().tls()),
                config.maxQueueSize(), config.maxPacketSize(), config.maxConnections(),
                config.connectTimeout().toMillis(), config.security().maxClientIdLength(),
                config.security().maxTopicLength(), mode);
    }

    /** HiveMQ's TLS listener: a PKCS12 key store, TLS 1.3 and 1.2 only, no client certificates. */
    private static String tlsListener(TlsListenerConfig tls) {
        if (tls == null) {
            return "";
        }
        String password = xml(tls.keyStorePassword());
        return """
                        <tls-tcp-listener>
                            <port>%d</port>
                            <bind-address>%s</bind-address>
                            <name>mqtts</name>
                            <tls>
                                <keystore>
                                    <path>%s</path>
                                    <password>%s</password>
                                    <private-key-password>%s</private-key-password>
                                </keystore>
                                <protocols>
                                    <protocol>TLSv1.3</protocol>
                                    <protocol>TLSv1.2</protocol>
                                </protocols>
                                <client-authentication-mode>NONE</client-authentication-mode>
                            </tls>
                        </tls-tcp-listener>
                """.formatted(tls.address().port(), xml(tls.address().host()),
                xml(tls.keyStore().toAbsolutePath().toString()), password, password);
    }

    /** Writes conf/config.xml under the data directory and returns the conf folder. */
    public static Path write(BrokerConfig config, Path confDir) {
        try {
            Files.createDirectories(confDir);
            Files.writeString(confDir.resolve("config.xml"), render(config), StandardCharsets.UTF_8);
            return confDir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write HiveMQ configuration to " + confDir, e);
        }
    }

    private static String xml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}

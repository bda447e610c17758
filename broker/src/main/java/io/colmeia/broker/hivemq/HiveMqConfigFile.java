package io.colmeia.broker.hivemq;

import io.colmeia.broker.BrokerConfig;
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
                    </listeners>
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
                    </restrictions>
                    <persistence>
                        <mode>%s</mode>
                    </persistence>
                    <anonymous-usage-statistics>
                        <enabled>false</enabled>
                    </anonymous-usage-statistics>
                </hivemq>
                """.formatted(config.mqtt().port(), xml(config.mqtt().host()), config.maxQueueSize(),
                config.maxPacketSize(), config.maxConnections(), config.connectTimeout().toMillis(), mode);
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
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}

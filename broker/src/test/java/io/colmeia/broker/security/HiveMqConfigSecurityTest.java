package io.colmeia.broker.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.colmeia.broker.BrokerConfig;
import io.colmeia.broker.hivemq.HiveMqConfigFile;
import io.colmeia.common.config.HostPort;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The abuse limits and the TLS listener as HiveMQ reads them from config.xml. */
class HiveMqConfigSecurityTest {

    private static BrokerConfig config(SecurityConfig security) {
        return SecuredBroker.config("cfg-1", "127.0.5.3", Path.of("data"), null, ListenerPolicy.Anonymous.loopback)
                .withSecurity(security);
    }

    @Test
    void clientIdAndTopicLengthsAreLimited() {
        String xml = HiveMqConfigFile.render(config(SecurityConfig.defaults()));
        assertThat(xml).contains("<max-client-id-length>256</max-client-id-length>",
                "<max-topic-length>1024</max-topic-length>", "<no-connect-idle-timeout>10000</no-connect-idle-timeout>",
                "<max-packet-size>1048576</max-packet-size>").doesNotContain("tls-tcp-listener");
    }

    @Test
    void theTlsListenerUsesTheKeyStoreAndOnlyTls12And13() {
        String xml = HiveMqConfigFile.render(config(SecurityConfig.defaults().withTls(
                new TlsListenerConfig(new HostPort("127.0.5.3", 8883), Path.of("/run/tls/server.p12"), "p<w>"))));
        assertThat(xml).contains("<tls-tcp-listener>", "<port>8883</port>", "<path>/run/tls/server.p12</path>",
                "<password>p&lt;w&gt;</password>", "<protocol>TLSv1.3</protocol>", "<protocol>TLSv1.2</protocol>")
                .doesNotContain("TLSv1.1");
    }
}

package io.colmeia.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.colmeia.common.config.EnvironmentDefaults;
import io.colmeia.common.config.InvalidConfigurationException;
import io.colmeia.dns.health.Prober;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

class DnsCommandTest {

    static DnsCommand parse(Map<String, String> env, String... args) {
        DnsCommand command = new DnsCommand();
        CommandLine cli = new CommandLine(command);
        cli.setDefaultValueProvider(new EnvironmentDefaults(env));
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.parseArgs(args);
        return command;
    }

    static DnsCommand parse(String... args) {
        return parse(Map.of(), args);
    }

    @Test
    void defaultsServeMqttColmeiaInternalOnPort53() {
        DnsConfig config = parse("--ingress", "127.0.2.1:1883,127.0.2.2:1883").config();
        assertThat(config.nodeId()).isEqualTo("dns-1");
        assertThat(config.server().listen().getPort()).isEqualTo(53);
        assertThat(config.http().toString()).isEqualTo("0.0.0.0:9100");
        assertThat(config.zone().origin().toString()).isEqualTo("colmeia.internal.");
        assertThat(config.zone().serviceName().toString()).isEqualTo("mqtt.colmeia.internal.");
        assertThat(config.zone().ttl()).isEqualTo(10);
        assertThat(config.ingress()).hasSize(2);
        assertThat(config.probe()).isEqualTo(Prober.Kind.MQTT);
        assertThat(config.rateLimit().responsesPerSecond()).isEqualTo(100);
        assertThat(config.zone().nsAddresses()).isEmpty();
    }

    @Test
    void localClusterAddressesWork() {
        DnsConfig config = parse("--listen", "127.0.3.1:5353", "--http", "127.0.3.1:9100", "--ingress",
                "127.0.2.1:1883,127.0.2.2:1883", "--srv", "--record", "broker-1 A 127.0.1.1;broker-2 A 127.0.1.2",
                "--probe", "tcp", "--ttl", "5s").config();
        assertThat(config.server().listen().getAddress().getHostAddress()).isEqualTo("127.0.3.1");
        assertThat(config.zone().nsAddresses()).extracting(a -> a.getHostAddress()).containsExactly("127.0.3.1");
        assertThat(config.zone().srv()).isTrue();
        assertThat(config.zone().staticRecords()).hasSize(2).allSatisfy(r -> assertThat(r.getType())
                .isEqualTo(Type.A));
        assertThat(config.probe()).isEqualTo(Prober.Kind.TCP);
        assertThat(config.zone().ttl()).isEqualTo(5);
    }

    @Test
    void environmentVariablesSetOptionsIncludingLists() {
        DnsConfig config = parse(Map.of("COLMEIA_INGRESS", "127.0.2.1:1883,127.0.2.2:1884", "COLMEIA_ZONE",
                "example.test", "COLMEIA_TTL", "30s")).config();
        assertThat(config.ingress()).hasSize(2);
        assertThat(config.zone().origin().toString()).isEqualTo("example.test.");
        assertThat(config.zone().serviceName().toString()).isEqualTo("mqtt.example.test.");
        assertThat(config.zone().ttl()).isEqualTo(30);
    }

    @Test
    void withoutIngressNodesTheCommandRefusesToStart() {
        assertThatThrownBy(() -> parse().config()).isInstanceOf(InvalidConfigurationException.class)
                .extracting(e -> ((InvalidConfigurationException) e).option()).isEqualTo("--ingress");
    }

    @Test
    void ingressMustBeAnAddressNotAName() {
        assertThatThrownBy(() -> parse("--ingress", "ingress-1:1883").config())
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("--ingress-dns");
    }

    @Test
    void badValuesNameTheirOption() {
        assertOption("--ttl", "--ingress", "127.0.2.1:1883", "--ttl", "500ms");
        assertOption("--ttl", "--ingress", "127.0.2.1:1883", "--ttl", "25h");
        assertOption("--name", "--ingress", "127.0.2.1:1883", "--name", "mqtt.example.org.");
        assertOption("--record", "--ingress", "127.0.2.1:1883", "--record", "x.example.org. A 127.0.0.1");
        assertOption("--record", "--ingress", "127.0.2.1:1883", "--record", "mqtt A 127.0.0.1");
        assertOption("--record", "--ingress", "127.0.2.1:1883", "--record", "$INCLUDE /etc/passwd");
        assertOption("--record", "--ingress", "127.0.2.1:1883", "--record", "a A not-an-address");
        assertOption("--zone", "--ingress", "127.0.2.1:1883", "--zone", ".");
        assertOption("--rrl-window", "--ingress", "127.0.2.1:1883", "--rrl-window", "2h");
        assertOption("--probe-timeout", "--ingress", "127.0.2.1:1883", "--probe-timeout", "1ms");
        assertOption("--tcp-max-connections", "--ingress", "127.0.2.1:1883", "--tcp-max-connections", "0");
        assertOption("--ns-address", "--ingress", "127.0.2.1:1883", "--ns-address", "ns.example.org");
    }

    private static void assertOption(String option, String... args) {
        assertThatThrownBy(() -> parse(args).config()).isInstanceOf(InvalidConfigurationException.class)
                .extracting(e -> ((InvalidConfigurationException) e).option()).isEqualTo(option);
    }

    @Test
    void everyOptionHasALabelAndShowsItsDefault() {
        CommandLine cli = new CommandLine(new DnsCommand());
        for (OptionSpec option : cli.getCommandSpec().options()) {
            if (option.usageHelp() || option.versionHelp()) {
                continue;
            }
            assertThat(option.paramLabel()).as(option.longestName()).isNotBlank();
            if (option.defaultValue() != null) {
                assertThat(String.join(" ", option.description())).as(option.longestName())
                        .endsWith("(default: " + option.defaultValue() + ").");
            }
        }
        StringWriter help = new StringWriter();
        cli.usage(new PrintWriter(help));
        assertThat(help.toString()).contains("--listen=HOST:PORT").contains("(default: 0.0.0.0:53)")
                .contains("--ingress=IP:PORT");
    }
}

package io.colmeia.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.colmeia.common.config.EnvironmentDefaults;
import io.colmeia.common.config.HostPort;
import io.colmeia.common.config.InvalidConfigurationException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

class IngressCommandTest {

    private static IngressCommand parse(Map<String, String> env, String... args) {
        IngressCommand command = new IngressCommand();
        CommandLine cli = new CommandLine(command);
        cli.setDefaultValueProvider(new EnvironmentDefaults(env));
        cli.parseArgs(args);
        return command;
    }

    @Test
    void defaults_are_those_documented() {
        IngressConfig c = parse(Map.of(), "--replicas", "127.0.1.1:1883,127.0.1.2:1883,127.0.1.3:1883").config();
        assertThat(c.nodeId()).isEqualTo("ingress-1");
        assertThat(c.mqtt()).isEqualTo(new HostPort("0.0.0.0", 1883));
        assertThat(c.http()).isEqualTo(new HostPort("0.0.0.0", 9100));
        assertThat(c.replicas()).containsExactly(new HostPort("127.0.1.1", 1883), new HostPort("127.0.1.2", 1883),
                new HostPort("127.0.1.3", 1883));
        assertThat(c.replicasDns()).isNull();
        assertThat(c.replicasPort()).isEqualTo(1883);
        assertThat(c.probeInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.probeTimeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(c.probeFailures()).isEqualTo(2);
        assertThat(c.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.maxConnectSize()).isEqualTo(65536);
        assertThat(c.maxConnections()).isEqualTo(9000);
        assertThat(c.maxConnectionsPerIp()).isZero();
        assertThat(c.connectionRatePerIp()).isZero();
        assertThat(c.idleTimeout()).isZero();
        assertThat(c.proxyProtocol()).isFalse();
        assertThat(c.shutdownGrace()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.drainSpread()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.slowStart()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.tcpQuickAck()).isTrue();
        assertThat(c.ioThreads()).isZero();
        assertThat(c.ioThreads(2)).isEqualTo(1);
        assertThat(c.ioThreads(1)).isEqualTo(1);
        assertThat(c.ioThreads(8)).isEqualTo(4);
        assertThat(parse(Map.of(), "--replicas", "127.0.1.1:1883").cpuNice()).isEqualTo(10);
        assertThat(c).isEqualTo(IngressConfig.defaults(c.nodeId(), c.mqtt(), c.http(), c.replicas()));
    }

    @Test
    void the_local_cluster_command_line_parses() {
        IngressConfig c = parse(Map.of(), "--node-id", "ingress-2", "--mqtt", "127.0.2.2:1883", "--http",
                "127.0.2.2:9100", "--replicas", "127.0.1.1:1883,127.0.1.2:1883", "--proxy-protocol",
                "--idle-timeout", "5m").config();
        assertThat(c.mqtt()).isEqualTo(new HostPort("127.0.2.2", 1883));
        assertThat(c.replicas()).hasSize(2);
        assertThat(c.proxyProtocol()).isTrue();
        assertThat(c.idleTimeout()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void every_option_reads_its_environment_variable() {
        IngressConfig c = parse(Map.of("COLMEIA_REPLICAS_DNS", "tasks.broker", "COLMEIA_REPLICAS_PORT", "1884",
                "COLMEIA_PROXY_PROTOCOL", "true", "COLMEIA_REPLICAS", "10.0.0.1:1883,10.0.0.2:1883",
                "COLMEIA_PROBE_INTERVAL", "500ms", "COLMEIA_SLOW_START", "0s", "COLMEIA_TCP_QUICKACK", "false",
                "COLMEIA_IO_THREADS", "3"))
                .config();
        assertThat(c.replicasDns()).isEqualTo("tasks.broker");
        assertThat(c.replicasPort()).isEqualTo(1884);
        assertThat(c.proxyProtocol()).isTrue();
        assertThat(c.replicas()).hasSize(2);
        assertThat(c.probeInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.slowStart()).isZero();
        assertThat(c.tcpQuickAck()).isFalse();
        assertThat(c.ioThreads(2)).isEqualTo(3);
        assertThat(parse(Map.of("COLMEIA_CPU_NICE", "0"), "--replicas", "127.0.1.1:1883").cpuNice()).isZero();
    }

    @Test
    void dns_alone_is_enough() {
        assertThat(parse(Map.of(), "--replicas-dns", "tasks.broker").config().replicas()).isEmpty();
    }

    @Test
    void bad_values_fail_naming_the_option() {
        assertThatThrownBy(() -> parse(Map.of()).config())
                .isInstanceOf(InvalidConfigurationException.class).hasMessageStartingWith("--replicas:");
        assertThatThrownBy(() -> parse(Map.of(), "--replicas", "127.0.1.1:1883", "--max-connect-size", "10")
                .config()).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageStartingWith("--max-connect-size:");
        assertThatThrownBy(() -> parse(Map.of(), "--replicas", "127.0.1.1:1883", "--probe-interval", "0s")
                .config()).hasMessageStartingWith("--probe-interval:");
        assertThatThrownBy(() -> parse(Map.of(), "--replicas", "127.0.1.1:1883", "--max-connections", "0")
                .config()).hasMessageStartingWith("--max-connections:");
        assertThatThrownBy(() -> parse(Map.of(), "--replicas", "127.0.1.1:1883", "--probe-failures", "0")
                .config()).hasMessageStartingWith("--probe-failures:");
        assertThatThrownBy(() -> parse(Map.of(), "--replicas", "127.0.1.1:1883", "--replicas-port", "70000")
                .config()).hasMessageStartingWith("--replicas-port:");
        assertThatThrownBy(() -> parse(Map.of(), "--replicas", "127.0.1.1:1883", "--io-threads", "-1")
                .config()).hasMessageStartingWith("--io-threads:");
        assertThatThrownBy(() -> parse(Map.of(), "--replicas", "127.0.1.1:1883", "--cpu-nice", "20").cpuNice())
                .isInstanceOf(InvalidConfigurationException.class).hasMessageStartingWith("--cpu-nice:");
        assertThatThrownBy(() -> parse(Map.of(), "--replicas", "127.0.1.1:1883", "--cpu-nice", "-1").cpuNice())
                .hasMessageStartingWith("--cpu-nice:");
        assertThatThrownBy(() -> parse(Map.of(), "--replicas", "127.0.1.1:1883", "--slow-start", "-1s"))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--slow-start");
        assertThatThrownBy(() -> parse(Map.of(), "--replicas", "nonsense"))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--replicas");
        assertThatThrownBy(() -> parse(Map.of(), "--replicas", "127.0.1.1:1883", "--connect-timeout", "soon"))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--connect-timeout");
    }

    @Test
    void every_option_has_a_label_and_states_its_default() {
        CommandLine cli = new CommandLine(new IngressCommand());
        for (OptionSpec option : cli.getCommandSpec().options()) {
            if (option.usageHelp() || option.versionHelp()) {
                continue;
            }
            assertThat(option.paramLabel()).as(option.longestName()).isNotBlank();
            String description = String.join(" ", option.description());
            if (option.defaultValue() != null) {
                assertThat(description).as(option.longestName())
                        .endsWith("(default: " + option.defaultValue() + ").");
            }
        }
        StringWriter help = new StringWriter();
        cli.usage(new PrintWriter(help));
        assertThat(help.toString()).contains("--replicas-dns=NAME", "(default: 0.0.0.0:1883)", "(default: 10s)");
    }
}

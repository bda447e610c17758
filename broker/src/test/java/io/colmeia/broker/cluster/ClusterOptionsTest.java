package io.colmeia.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.colmeia.broker.BrokerCommand;
import io.colmeia.common.config.EnvironmentDefaults;
import io.colmeia.common.config.HostPort;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ClusterOptionsTest {

    private static final HostPort LISTEN = new HostPort("127.0.1.1", 7946);

    private static ClusterConfig config(HostPort listen, List<HostPort> peers, String dns, Duration heartbeat,
                                        Duration timeout, int buffer) {
        return new ClusterConfig(listen, peers, dns, 0, Duration.ofSeconds(5), heartbeat, timeout, buffer);
    }

    @Test
    void peersWithoutAListenAddressAreRefusedNamingCluster() {
        assertThatThrownBy(() -> config(null, List.of(new HostPort("127.0.1.2", 7946)), "", Duration.ofSeconds(1),
                Duration.ofSeconds(5), 10)).hasMessageStartingWith("--cluster:");
        assertThatThrownBy(() -> config(null, List.of(), "tasks.broker", Duration.ofSeconds(1),
                Duration.ofSeconds(5), 10)).hasMessageStartingWith("--cluster:");
    }

    @Test
    void aTimeoutShorterThanTwoHeartbeatsIsRefused() {
        assertThatThrownBy(() -> config(LISTEN, List.of(), "", Duration.ofSeconds(1), Duration.ofMillis(1500), 10))
                .hasMessageStartingWith("--cluster-timeout:");
    }

    @Test
    void anEmptyBufferIsRefused() {
        assertThatThrownBy(() -> config(LISTEN, List.of(), "", Duration.ofSeconds(1), Duration.ofSeconds(5), 0))
                .hasMessageStartingWith("--cluster-buffer:");
    }

    @Test
    void aBadDnsNameIsRefused() {
        assertThatThrownBy(() -> config(LISTEN, List.of(), "not a name", Duration.ofSeconds(1),
                Duration.ofSeconds(5), 10)).hasMessageStartingWith("--peers-dns:");
    }

    @Test
    void theOwnAddressInThePeerListIsIgnoredSoEveryReplicaCanShareOneList() {
        ClusterConfig c = config(LISTEN, List.of(LISTEN, new HostPort("127.0.1.2", 7946)), "",
                Duration.ofSeconds(1), Duration.ofSeconds(5), 10);
        assertThat(c.peers()).containsExactly(new HostPort("127.0.1.2", 7946));
        assertThat(c.enabled()).isTrue();
    }

    @Test
    void standaloneByDefault() {
        assertThat(ClusterConfig.standalone().enabled()).isFalse();
    }

    @Test
    void optionsParseFromTheCommandLineAndTheEnvironment() {
        CommandLine cli = new CommandLine(new BrokerCommand());
        cli.setDefaultValueProvider(new EnvironmentDefaults(Map.of("COLMEIA_PEERS_DNS", "tasks.broker")));
        CommandLine.ParseResult parsed = cli.parseArgs("--cluster", "127.0.1.1:7946",
                "--peers", "127.0.1.2:7946,127.0.1.3:7946", "--cluster-buffer", "500");
        assertThat(parsed.matchedOptionValue("--cluster", (HostPort) null)).isEqualTo(LISTEN);
        List<HostPort> peers = parsed.matchedOptionValue("--peers", List.of());
        assertThat(peers).containsExactly(new HostPort("127.0.1.2", 7946), new HostPort("127.0.1.3", 7946));
        assertThat(cli.getCommandSpec().findOption("--peers-dns").<String>getValue()).isEqualTo("tasks.broker");
        assertThat(cli.getCommandSpec().findOption("--cluster-heartbeat").<Duration>getValue())
                .isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void anEmptyClusterOptionMeansStandalone() {
        CommandLine cli = new CommandLine(new BrokerCommand());
        cli.parseArgs();
        assertThat(cli.getCommandSpec().findOption("--cluster").<HostPort>getValue()).isNull();
    }

    @Test
    void aMalformedPeerIsRefusedNamingTheOption() {
        CommandLine cli = new CommandLine(new BrokerCommand());
        assertThatThrownBy(() -> cli.parseArgs("--peers", "127.0.1.2"))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--peers");
    }
}

package io.colmeia.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.colmeia.broker.telemetry.TelemetryConfig;
import io.colmeia.common.config.EnvironmentDefaults;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** How {@code colmeia broker}'s telemetry options become a {@link TelemetryConfig}. */
class BrokerCommandTelemetryTest {

    @TempDir
    Path dir;

    private TelemetryConfig parse(Map<String, String> environment, String... args) {
        BrokerCommand command = new BrokerCommand();
        CommandLine cli = new CommandLine(command);
        cli.setDefaultValueProvider(new EnvironmentDefaults(environment));
        cli.parseArgs(args);
        return command.telemetryConfig(dir.resolve("broker-2"));
    }

    @Test
    void defaultsStoreEveryTopicAcknowledgeWhenPersistedAndSpoolUnderTheDataDir() {
        TelemetryConfig config = parse(Map.of());
        assertThat(config.enabled()).isTrue();
        assertThat(config.filters()).containsExactly("#");
        assertThat(config.ack()).isEqualTo(TelemetryConfig.AckMode.persisted);
        assertThat(config.ackTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.persistence().spoolDir()).isEqualTo(dir.resolve("broker-2").resolve("spool"));
    }

    @Test
    void aSpoolDirGivenAsFlagOrEnvironmentIsKept() {
        Path flag = dir.resolve("flag-spool");
        Path env = dir.resolve("env-spool");
        assertThat(parse(Map.of(), "--spool-dir", flag.toString()).persistence().spoolDir()).isEqualTo(flag);
        assertThat(parse(Map.of("COLMEIA_SPOOL_DIR", env.toString())).persistence().spoolDir()).isEqualTo(env);
    }

    @Test
    void filtersAckAndOffAreRead() {
        TelemetryConfig config = parse(Map.of(), "--telemetry-filter", "sensors/#, farm/+/t", "--ack", "received");
        assertThat(config.filters()).containsExactly("sensors/#", "farm/+/t");
        assertThat(config.ack()).isEqualTo(TelemetryConfig.AckMode.received);
        assertThat(parse(Map.of("COLMEIA_TELEMETRY", "off"), "--mongodb-uri", "not a uri").enabled()).isFalse();
    }

    @Test
    void invalidValuesNameTheirOption() {
        assertThatThrownBy(() -> parse(Map.of(), "--telemetry-filter", "a/#/b"))
                .hasMessageStartingWith("--telemetry-filter:");
        assertThatThrownBy(() -> parse(Map.of(), "--mongodb-uri", "http://x")).hasMessageStartingWith("--mongodb-uri:");
        assertThatThrownBy(() -> parse(Map.of(), "--ack", "later"))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--ack");
    }

    @Test
    void helpDescribesTheTelemetryOptionsAndThePerReplicaSpool() {
        String help = new CommandLine(new BrokerCommand()).getUsageMessage();
        assertThat(help).contains("--telemetry=on|off", "--telemetry-filter=FILTER", "--ack=persisted|received",
                "--mongodb-uri=URI", "<data-dir>/spool");
        assertThat(List.of(help.split("\n"))).noneMatch(l -> l.contains("data/spool"));
    }
}

package io.colmeia.emulator.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.colmeia.common.config.InvalidConfigurationException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every bench bound is checked at start and the error names the option. */
class BenchCommandValidationTest {

    private static BenchCommand bench(String... args) {
        BenchCommand cmd = new BenchCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd;
    }

    private static void rejects(BenchCommand cmd, String option) {
        assertThatThrownBy(() -> cmd.settings()).isInstanceOfSatisfying(InvalidConfigurationException.class,
                e -> assertThat(e.option()).isEqualTo(option));
    }

    @Test
    void boundsAreCheckedAndThePublishIntervalFollowsTheRate() {
        BenchSettings s = bench("throughput", "--publishers", "4", "--rate", "20000", "--qos", "0").settings();
        assertThat(s.scenario()).isEqualTo(Scenario.THROUGHPUT);
        assertThat(s.interval()).isEqualTo(Duration.ofNanos(200_000));
        assertThat(bench("fan-in", "--devices", "500").settings().clients()).isEqualTo(500);
        rejects(bench("nonsense"), "SCENARIO");
        assertThat(bench("fan-out", "--publishers", "2", "--subscribers", "20").settings().clients()).isEqualTo(2);
        rejects(bench("fan-out", "--subscribers", "1"), "--subscribers");
        rejects(bench("throughput", "--qos", "0"), "--rate"); // an unpaced QoS 0 firehose
        rejects(bench("--rounds", "0"), "--rounds");
        rejects(bench("--rounds", "21"), "--rounds");
        rejects(bench("--duration", "0s"), "--duration");
        rejects(bench("--duration", "2h"), "--duration");
        rejects(bench("--max-messages", "0"), "--max-messages");
        rejects(bench("fan-in", "--devices", "20000"), "--devices");
        rejects(bench("--target", "a=127.0.0.1:1883,a=127.0.0.1:1884"), "--target");
        rejects(bench("--target-pid", "nobody=12"), "--target-pid");
        assertThatThrownBy(() -> bench("--target", "a=nohostport"))
                .isInstanceOf(CommandLine.ParameterException.class);
        assertThatThrownBy(() -> bench("--target", "a=127.0.0.1:1883/nohostport"))
                .isInstanceOf(CommandLine.ParameterException.class);
    }

    @Test
    void aTargetMayGiveTheSubscribersTheirOwnEndpoint() {
        BenchCommand cmd = bench("--target", "cross=127.0.0.1:1883/127.0.0.2:1884,same=127.0.0.1:1883");
        BenchTarget cross = cmd.targets.get(0);
        assertThat(cross.address().toString()).isEqualTo("127.0.0.1:1883");
        assertThat(cross.subscriberAddress().toString()).isEqualTo("127.0.0.2:1884");
        assertThat(cross.describe()).isEqualTo("127.0.0.1:1883/127.0.0.2:1884");
        BenchTarget same = cmd.targets.get(1);
        assertThat(same.subscriberAddress()).isEqualTo(same.address());
        assertThat(same.describe()).isEqualTo("127.0.0.1:1883");
        assertThat(BenchTarget.parse("127.0.0.1:1/127.0.0.1:2").name()).isEqualTo("127.0.0.1:1/127.0.0.1:2");
    }

    @Test
    void noTargetIsAlwaysMeasuredFirst() {
        java.util.List<String> targets = java.util.List.of("a", "b", "c");
        assertThat(BenchCommand.rotated(targets, 0)).containsExactly("a", "b", "c");
        assertThat(BenchCommand.rotated(targets, 1)).containsExactly("b", "c", "a");
        assertThat(BenchCommand.rotated(targets, 2)).containsExactly("c", "a", "b");
        assertThat(BenchCommand.rotated(targets, 3)).containsExactly("a", "b", "c");
        assertThat(BenchCommand.rotated(java.util.List.of("only"), 5)).containsExactly("only");
    }
}

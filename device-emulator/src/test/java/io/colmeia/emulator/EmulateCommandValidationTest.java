package io.colmeia.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.colmeia.common.config.EnvironmentDefaults;
import io.colmeia.common.config.InvalidConfigurationException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every bound is checked at start and the error names the option. */
class EmulateCommandValidationTest {

    private static EmulateCommand emulate(String... args) {
        EmulateCommand cmd = new EmulateCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd;
    }

    private static void rejects(EmulateCommand cmd, String option) {
        assertThatThrownBy(() -> cmd.config()).isInstanceOfSatisfying(InvalidConfigurationException.class,
                e -> assertThat(e.option()).isEqualTo(option));
    }

    @Test
    void defaultsAreValid() {
        EmulationConfig c = emulate().config();
        assertThat(c.fleet().devices()).isEqualTo(100);
        assertThat(c.fleet().qos()).isEqualTo(1);
        assertThat(c.fleet().interval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.client().tcpNoDelay()).isTrue();
        assertThat(emulate("--no-tcp-nodelay").config().client().tcpNoDelay()).isFalse();
    }

    @Test
    void devicesAreBoundedByTheOpenFileLimit() {
        rejects(emulate("--devices", "0"), "--devices");
        rejects(emulate("--devices", "400000"), "--devices"); // beyond 16 processes
        rejects(emulate("--devices", "19000", "--subscribers", "1000"), "--subscribers");
        int budget = ConnectionBudget.maxConnections(); // 19,744 with the 20,000 open files of our machines
        assertThat(emulate("--devices", Integer.toString(budget)).config().fleet().devices()).isEqualTo(budget);
    }

    @Test
    void badEmulatorValuesNameTheirOption() {
        rejects(emulate("--qos", "3"), "--qos");
        rejects(emulate("--sub-qos", "-1"), "--sub-qos");
        rejects(emulate("--interval", "2h"), "--interval");
        rejects(emulate("--interval", "0s"), "--interval"); // unbounded firehose
        assertThat(emulate("--interval", "0s", "--count", "10").config().fleet().interval()).isZero();
        rejects(emulate("--ramp-rate", "0"), "--ramp-rate");
        rejects(emulate("--max-inflight", "0"), "--max-inflight");
        rejects(emulate("--threads", "0"), "--threads");
        rejects(emulate("--keep-alive", "0s"), "--keep-alive");
        rejects(emulate("--reconnect-min", "5s", "--reconnect-max", "1s"), "--reconnect-max");
        rejects(emulate("--mac-prefix", "a0:20:a6"), "--mac-prefix");
        rejects(emulate("--topic", "no{n}/#"), "--topic");
        rejects(emulate("--filter", "no1/#/x"), "--filter");
        rejects(emulate("--node-id", "bad id"), "--node-id");
        rejects(emulate("--count", "-1"), "--count");
        rejects(emulate("--device-offset", "16777215"), "--device-offset");
    }

    @Test
    void moreDevicesThanOneProcessHoldsAreAllowedUpToSixteenProcesses() {
        assertThat(emulate("--devices", "40000").config().fleet().devices()).isEqualTo(40000);
        assertThat(emulate("--devices", "10", "--devices-per-process", "3").config().fleet().devices())
                .isEqualTo(10);
        rejects(emulate("--devices", "49", "--devices-per-process", "3"), "--devices");
        rejects(emulate("--devices-per-process", "20000"), "--devices-per-process");
    }

    @Test
    void childEmulatorsGetTheUserOptionsExceptThePerChildOnes() {
        assertThat(ChildEmulators.sharedArguments(java.util.List.of("--broker", "127.0.0.1:1883", "--devices", "9",
                "--device-offset=5", "--qos", "2", "--node-id", "x", "--no-tcp-nodelay", "--http=127.0.0.1:9000",
                "--subscribers", "1", "--devices-per-process", "3")))
                .containsExactly("--broker", "127.0.0.1:1883", "--qos", "2", "--no-tcp-nodelay");
    }

    @Test
    void environmentVariablesSetOptions() {
        EmulateCommand cmd = new EmulateCommand();
        CommandLine cli = new CommandLine(cmd);
        cli.setDefaultValueProvider(new EnvironmentDefaults(Map.of("COLMEIA_DEVICES", "7", "COLMEIA_QOS", "2")));
        cli.parseArgs();
        assertThat(cmd.config().fleet().devices()).isEqualTo(7);
        assertThat(cmd.config().fleet().qos()).isEqualTo(2);
    }
}

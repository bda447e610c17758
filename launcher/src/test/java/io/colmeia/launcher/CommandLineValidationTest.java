package io.colmeia.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.colmeia.common.config.EnvironmentDefaults;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Bad options stop a command before it does anything, with exit code 2 and a message naming the option. */
class CommandLineValidationTest {

    private record Outcome(int exitCode, String out, String err) {
    }

    private static Outcome run(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Colmeia.commandLine(new EnvironmentDefaults(env));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Outcome(code, out.toString(), err.toString());
    }

    private static Outcome run(String... args) {
        return run(Map.of(), args);
    }

    @Test
    void anUnknownFlagIsRejected() {
        Outcome outcome = run("broker", "--bogus");
        assertThat(outcome.exitCode()).isEqualTo(2);
        assertThat(outcome.err()).contains("Unknown option: '--bogus'").contains("colmeia broker --help");
    }

    @Test
    void aPortOutOfRangeIsRejectedNamingTheOption() {
        Outcome outcome = run("broker", "--mqtt", "127.0.0.1:70000");
        assertThat(outcome.exitCode()).isEqualTo(2);
        assertThat(outcome.err()).contains("'--mqtt'").contains("port 70000 is outside 1..65535");
    }

    @Test
    void anAddressWithoutPortIsRejected() {
        Outcome outcome = run("broker", "--http", "localhost");
        assertThat(outcome.exitCode()).isEqualTo(2);
        assertThat(outcome.err()).contains("'--http'").contains("expected HOST:PORT");
    }

    @Test
    void aBadValueFromTheEnvironmentNamesTheVariable() {
        Outcome outcome = run(Map.of("COLMEIA_MAX_QUEUE_SIZE", "lots"), "broker");
        assertThat(outcome.exitCode()).isEqualTo(2);
        assertThat(outcome.err()).contains("'--max-queue-size'").contains("COLMEIA_MAX_QUEUE_SIZE");
    }

    @Test
    void anUnwritableDataDirectoryIsRejectedBeforeAnythingStarts(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");
        Outcome outcome = run("broker", "--data-dir", file.resolve("data").toString(),
                "--mqtt", "127.0.1.31:1883", "--http", "127.0.1.31:9100");
        assertThat(outcome.exitCode()).isEqualTo(2);
        assertThat(outcome.err()).contains("--data-dir").contains("cannot be created");
    }

    @Test
    void aBadDurationIsRejectedWithTheExpectedForm() {
        Outcome outcome = run("broker", "--shutdown-grace", "soon");
        assertThat(outcome.exitCode()).isEqualTo(2);
        assertThat(outcome.err()).contains("'--shutdown-grace'").contains("e.g. 500ms, 10s");
    }

    @Test
    void everyCommandHasHelp() {
        for (String command : new String[] {"broker", "ingress", "dns", "store", "emulate", "bench", "up", "status", "down"}) {
            Outcome outcome = run(command, "--help");
            assertThat(outcome.exitCode()).as(command).isZero();
            assertThat(outcome.out()).as(command).contains("Usage: colmeia " + command);
        }
        assertThat(run("--help").out()).contains("broker").contains("up").contains("status").contains("down");
    }

    @Test
    void upRejectsAnUnknownPersistenceMode() {
        Outcome outcome = run("up", "--broker-persistence", "disk");
        assertThat(outcome.exitCode()).isEqualTo(2);
        assertThat(outcome.err()).contains("'--broker-persistence'").contains("disk");
    }

    @Test
    void upRejectsAnImpossibleClusterSize() {
        Outcome outcome = run("up", "--brokers", "0");
        assertThat(outcome.exitCode()).isEqualTo(2);
        assertThat(outcome.err()).contains("--brokers");
    }
}

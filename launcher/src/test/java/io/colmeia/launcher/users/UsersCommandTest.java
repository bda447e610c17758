package io.colmeia.launcher.users;

import static org.assertj.core.api.Assertions.assertThat;

import io.colmeia.broker.security.Role;
import io.colmeia.broker.security.UserEntry;
import io.colmeia.broker.security.UsersFile;
import io.colmeia.common.config.CommandLines;
import io.colmeia.common.config.EnvironmentDefaults;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class UsersCommandTest {

    @TempDir
    Path dir;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String stdin, String... args) {
        CommandLine cli = CommandLines.standard(new UsersCommand(new ByteArrayInputStream(
                stdin.getBytes(StandardCharsets.UTF_8))), new EnvironmentDefaults(Map.of()));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void addStoresAVerifiableHashNeverThePasswordAndListShowsRoles() throws Exception {
        Path file = dir.resolve("users.json");
        assertThat(run("a long device password\n", "--users-file", file.toString(), "add", "sala", "--role", "device",
                "--password-stdin", "--iterations", "100000")).isZero();
        assertThat(run("another long password\n", "--users-file", file.toString(), "add", "nodered", "--role",
                "subscriber", "--subscribe", "no1/#", "--password-stdin", "--iterations", "100000")).isZero();
        String text = Files.readString(file);
        assertThat(text).doesNotContain("a long device password");
        UserEntry sala = UsersFile.read(file).get("sala");
        assertThat(sala.role()).isEqualTo(Role.device);
        assertThat(sala.password().matches("a long device password".getBytes(StandardCharsets.UTF_8))).isTrue();
        assertThat(sala.password().iterations()).isEqualTo(100_000);
        assertThat(UsersFile.read(file).get("nodered").effectiveSubscribe()).containsExactly("no1/#");

        assertThat(run("", "--users-file", file.toString(), "list")).isZero();
        assertThat(out.toString()).contains("sala", "device", "nodered", "[no1/#]").doesNotContain("pbkdf2");
        assertThat(out.toString() + err).doesNotContain("a long device password");
    }

    @Test
    void anExistingUserIsOnlyReplacedOnRequestAndRemoveDeletesIt() throws Exception {
        Path file = dir.resolve("users.json");
        run("first long password\n", "--users-file", file.toString(), "add", "sala", "--role", "device",
                "--password-stdin", "--iterations", "100000");
        assertThat(run("second long password\n", "--users-file", file.toString(), "add", "sala", "--role", "device",
                "--password-stdin", "--iterations", "100000")).isEqualTo(2);
        assertThat(err.toString()).contains("--replace");
        assertThat(run("second long password\n", "--users-file", file.toString(), "add", "sala", "--role", "admin",
                "--password-stdin", "--replace", "--iterations", "100000")).isZero();
        UserEntry sala = UsersFile.read(file).get("sala");
        assertThat(sala.role()).isEqualTo(Role.admin);
        assertThat(sala.password().matches("second long password".getBytes(StandardCharsets.UTF_8))).isTrue();
        assertThat(run("", "--users-file", file.toString(), "remove", "sala")).isZero();
        assertThat(UsersFile.read(file)).isEmpty();
        assertThat(run("", "--users-file", file.toString(), "remove", "sala")).isEqualTo(2);
    }

    @Test
    void badInputIsRefusedNamingTheField() {
        Path file = dir.resolve("users.json");
        assertThat(run("short\n", "--users-file", file.toString(), "add", "sala", "--role", "device",
                "--password-stdin")).isEqualTo(2);
        assertThat(err.toString()).contains("password", "at least 12");
        assertThat(run("a long device password\n", "--users-file", file.toString(), "add", "sala", "--role", "king",
                "--password-stdin")).isEqualTo(2);
        assertThat(err.toString()).contains("--role");
        assertThat(run("a long device password\n", "--users-file", file.toString(), "add", "a/b", "--role", "device",
                "--password-stdin")).isEqualTo(2);
        assertThat(run("a long device password\n", "--users-file", file.toString(), "add", "sala", "--role", "device",
                "--publish", "a/#/b", "--password-stdin")).isEqualTo(2);
        assertThat(err.toString()).contains("--publish");
        assertThat(Files.exists(file)).isFalse();
    }
}

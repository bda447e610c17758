package io.colmeia.persistence.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.colmeia.common.config.EnvironmentDefaults;
import io.colmeia.common.config.InvalidConfigurationException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class StoreCommandTest {

    @Test
    void helpListsEveryOptionWithItsDefault() {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new StoreCommand());
        cli.setOut(new PrintWriter(out));
        assertThat(cli.execute("--help")).isZero();
        assertThat(out.toString())
                .contains("--listen=HOST:PORT").contains("127.0.0.1:27017").contains("(default: rs0)")
                .contains("--data-dir=DIR").contains("--http=HOST:PORT").contains("--replica-set=NAME")
                .contains("--advertise=HOST:PORT").contains("--fsync").contains("--log-level=LEVEL");
    }

    @Test
    void invalidReplicaSetNameFailsNamingTheOption() {
        CommandLine cli = new CommandLine(new StoreCommand());
        cli.setDefaultValueProvider(new EnvironmentDefaults(Map.of("COLMEIA_REPLICA_SET", "bad name")));
        Exception[] thrown = new Exception[1];
        cli.setExecutionExceptionHandler((ex, line, result) -> {
            thrown[0] = ex;
            return 2;
        });
        assertThat(cli.execute("--data-dir", System.getProperty("java.io.tmpdir") + "/colmeia-store-cmd-test",
                "--http", "127.0.4.7:1", "--listen", "127.0.4.7:2")).isEqualTo(2);
        assertThat(thrown[0]).isInstanceOfSatisfying(InvalidConfigurationException.class,
                e -> assertThat(e.option()).isEqualTo("--replica-set"));
    }
}

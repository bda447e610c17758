package io.colmeia.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.colmeia.common.config.EnvironmentDefaults;
import io.colmeia.common.config.InvalidConfigurationException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

class PersistenceOptionsTest {

    @TempDir
    Path dir;

    /** A stand-in for the broker command that mixes the options in. */
    @Command(name = "host")
    static final class Host implements Callable<Integer> {
        @Mixin
        PersistenceOptions persistence = new PersistenceOptions();
        PersistenceConfig config;

        @Override
        public Integer call() {
            config = persistence.toConfig();
            return 0;
        }
    }

    private Host parse(Map<String, String> env, String... args) {
        Host host = new Host();
        CommandLine cli = new CommandLine(host);
        cli.setDefaultValueProvider(new EnvironmentDefaults(env));
        RuntimeException[] thrown = new RuntimeException[1];
        cli.setExecutionExceptionHandler((ex, line, result) -> {
            thrown[0] = (RuntimeException) ex;
            return 2;
        });
        cli.execute(args);
        if (thrown[0] != null) {
            throw thrown[0];
        }
        return host;
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        PersistenceConfig config = parse(Map.of(), "--spool-dir", dir.toString()).config;
        assertThat(config.mongodbUri().getConnectionString()).isEqualTo("mongodb://127.0.0.1:27017/?replicaSet=rs0");
        assertThat(config.database()).isEqualTo("colmeia");
        assertThat(config.batchSize()).isEqualTo(1000);
        assertThat(config.batchLinger()).isEqualTo(Duration.ofMillis(20));
        assertThat(config.queueCapacity()).isEqualTo(100_000);
        assertThat(config.queueWait()).isZero();
        assertThat(config.writeTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(config.maxJsonDepth()).isEqualTo(32);
        assertThat(config.timeseriesCopy()).isTrue();
        assertThat(config.writeConcurrency()).isEqualTo(1);
        assertThat(config.spoolDir()).isEqualTo(dir.toAbsolutePath().normalize());
        PersistenceConfig programmatic = PersistenceConfig.defaults(config.mongodbUri().getConnectionString(),
                config.spoolDir());
        assertThat(programmatic).isEqualTo(config);
    }

    @Test
    void environmentVariablesSetOptionsAndFlagsWin() {
        PersistenceConfig config = parse(Map.of("COLMEIA_BATCH_SIZE", "250", "COLMEIA_MONGODB_URI",
                        "mongodb://10.0.0.1:27017,10.0.0.2:27017/?replicaSet=rs1", "COLMEIA_TIMESERIES_COPY", "false"),
                "--spool-dir", dir.toString(), "--batch-size", "500").config;
        assertThat(config.batchSize()).isEqualTo(500);
        assertThat(config.mongodbUri().getHosts()).containsExactly("10.0.0.1:27017", "10.0.0.2:27017");
        assertThat(config.timeseriesCopy()).isFalse();
    }

    @Test
    void invalidValuesNameTheirOption() {
        assertThatThrownBy(() -> parse(Map.of(), "--spool-dir", dir.toString(), "--mongodb-uri", "http://x"))
                .isInstanceOfSatisfying(InvalidConfigurationException.class,
                        e -> assertThat(e.option()).isEqualTo("--mongodb-uri"));
        assertThatThrownBy(() -> parse(Map.of(), "--spool-dir", dir.toString(), "--batch-size", "0"))
                .isInstanceOfSatisfying(InvalidConfigurationException.class,
                        e -> assertThat(e.option()).isEqualTo("--batch-size"));
        assertThatThrownBy(() -> parse(Map.of(), "--spool-dir", dir.toString(), "--write-concurrency", "0"))
                .isInstanceOfSatisfying(InvalidConfigurationException.class,
                        e -> assertThat(e.option()).isEqualTo("--write-concurrency"));
        assertThatThrownBy(() -> parse(Map.of(), "--spool-dir", dir.toString(), "--queue-capacity", "10"))
                .isInstanceOfSatisfying(InvalidConfigurationException.class,
                        e -> assertThat(e.getMessage()).contains("--queue-capacity").contains("--batch-size"));
        assertThatThrownBy(() -> parse(Map.of(), "--spool-dir", dir.toString(), "--mongodb-database", "a.b"))
                .isInstanceOfSatisfying(InvalidConfigurationException.class,
                        e -> assertThat(e.option()).isEqualTo("--mongodb-database"));
        assertThatThrownBy(() -> parse(Map.of(), "--spool-dir", dir.toString(), "--write-timeout", "10ms"))
                .isInstanceOfSatisfying(InvalidConfigurationException.class,
                        e -> assertThat(e.option()).isEqualTo("--write-timeout"));
        assertThatThrownBy(() -> parse(Map.of(), "--spool-dir", dir.resolve("f").toString(),
                "--max-json-depth", "0"))
                .isInstanceOfSatisfying(InvalidConfigurationException.class,
                        e -> assertThat(e.option()).isEqualTo("--max-json-depth"));
    }

    @Test
    void spoolDirectoryInUseByAnotherSinkIsRefused() {
        PersistenceConfig config = PersistenceConfig.defaults("mongodb://127.0.4.7:1/?replicaSet=rs0", dir);
        try (MongoTelemetrySink sink = MongoTelemetrySink.start(config,
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry())) {
            assertThat(sink.spoolBytes()).isZero();
            assertThatThrownBy(() -> MongoTelemetrySink.start(config,
                    new io.micrometer.core.instrument.simple.SimpleMeterRegistry()))
                    .isInstanceOfSatisfying(InvalidConfigurationException.class,
                            e -> assertThat(e.option()).isEqualTo("--spool-dir"));
        }
    }
}

package io.colmeia.common.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

class EnvironmentDefaultsTest {

    @Command(name = "sample")
    static final class Sample implements Runnable {
        @Option(names = "--node-id", defaultValue = "n1")
        String nodeId;

        @Option(names = "--max-queue-size", defaultValue = "10")
        int maxQueueSize;

        @Override
        public void run() {
        }
    }

    private static Sample parse(Map<String, String> env, String... args) {
        Sample sample = new Sample();
        CommandLine cli = new CommandLine(sample);
        cli.setDefaultValueProvider(new EnvironmentDefaults(env));
        cli.parseArgs(args);
        return sample;
    }

    @Test
    void anEnvironmentVariableSetsTheOption() {
        Sample s = parse(Map.of("COLMEIA_NODE_ID", "from-env", "COLMEIA_MAX_QUEUE_SIZE", "42"));
        assertThat(s.nodeId).isEqualTo("from-env");
        assertThat(s.maxQueueSize).isEqualTo(42);
    }

    @Test
    void aFlagWinsOverTheEnvironment() {
        assertThat(parse(Map.of("COLMEIA_NODE_ID", "from-env"), "--node-id", "flag").nodeId).isEqualTo("flag");
    }

    @Test
    void withoutEitherTheDeclaredDefaultApplies() {
        assertThat(parse(Map.of()).nodeId).isEqualTo("n1");
    }
}

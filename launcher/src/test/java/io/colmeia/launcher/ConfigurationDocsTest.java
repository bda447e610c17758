package io.colmeia.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.colmeia.common.config.EnvironmentDefaults;
import io.colmeia.launcher.docs.ConfigurationReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** docs/configuration.md must say exactly what the code accepts. */
class ConfigurationDocsTest {

    @Test
    void configurationReferenceMatchesTheCode() throws Exception {
        Path doc = repositoryRoot().resolve("docs").resolve("configuration.md");
        String expected = ConfigurationReference.render(Colmeia.commandLine(new EnvironmentDefaults(Map.of())));
        assertThat(doc).as("docs/configuration.md exists").exists();
        assertThat(Files.readString(doc))
                .as("docs/configuration.md is out of date; regenerate it with "
                        + "'./colmeia config-docs > docs/configuration.md'")
                .isEqualTo(expected);
    }

    /** The folder holding the ./colmeia script, found upwards from where the tests run. */
    static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("colmeia"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no ./colmeia script above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    @Test
    void everyOptionIsListedWithItsEnvironmentVariable() {
        String doc = ConfigurationReference.render(Colmeia.commandLine(new EnvironmentDefaults(Map.of())));
        assertThat(doc).contains("| `--node-id ID` | `COLMEIA_NODE_ID` | `broker-1` |")
                .contains("`COLMEIA_MAX_QUEUE_SIZE`")
                .contains("## `colmeia up`");
    }
}

package io.colmeia.launcher.local;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the local cluster keeps its state, logs and data; shared by up, status and down. */
public class LocalClusterOptions {

    @Option(names = "--dir", defaultValue = ".colmeia", paramLabel = "DIR",
            description = "Directory of the local cluster: run/ (state), logs/, data/ (default: ${DEFAULT-VALUE}).")
    Path dir;

    Path dir() {
        return dir.toAbsolutePath().normalize();
    }
}

package io.colmeia.common.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks a directory option once at start, so a bad path fails with a message naming the option. */
public final class Directories {

    private Directories() {
    }

    /** Creates the directory if needed and proves it writable; throws with "OPTION: reason". */
    public static Path requireWritable(String option, Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        try {
            Files.createDirectories(abs);
        } catch (IOException | SecurityException e) {
            throw new InvalidConfigurationException(option, abs + " cannot be created (" + describe(e) + ")");
        }
        if (!Files.isDirectory(abs)) {
            throw new InvalidConfigurationException(option, abs + " is not a directory");
        }
        Path probe = abs.resolve(".colmeia-write-test");
        try {
            Files.writeString(probe, "ok");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw new InvalidConfigurationException(option, abs + " is not writable (" + describe(e) + ")");
        }
        return abs;
    }

    private static String describe(Exception e) {
        String name = e.getClass().getSimpleName();
        return e.getMessage() == null ? name : name + ": " + e.getMessage();
    }
}

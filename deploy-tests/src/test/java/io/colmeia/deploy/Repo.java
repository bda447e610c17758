package io.colmeia.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The repository's files as the tests see them: paths, YAML documents, the project version. */
final class Repo {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final ObjectMapper JSON = new ObjectMapper();

    private static final Pattern INTERPOLATION = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?}");

    private Repo() {
    }

    /** The repository root (set by the pom; falls back to the parent of the working directory). */
    static Path root() {
        String configured = System.getProperty("colmeia.root");
        Path root = configured != null ? Path.of(configured) : Path.of("..");
        return root.toAbsolutePath().normalize();
    }

    static Path file(String relative) {
        Path path = root().resolve(relative);
        if (!Files.isRegularFile(path)) {
            throw new AssertionError("expected the file " + relative + " in the repository (" + path + ")");
        }
        return path;
    }

    static String read(String relative) {
        try {
            return Files.readString(file(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The project version Maven builds (the image tag must be it). */
    static String projectVersion() {
        String version = System.getProperty("colmeia.version");
        if (version == null || version.isBlank()) {
            throw new AssertionError("system property colmeia.version is not set; run the tests through Maven");
        }
        return version;
    }

    static JsonNode yaml(String relative) {
        try {
            return YAML.readTree(file(relative).toFile());
        } catch (IOException e) {
            throw new AssertionError(relative + " is not valid YAML: " + e.getMessage(), e);
        }
    }

    /** Every document of a multi-document YAML file (--- separated), skipping empty ones. */
    static List<JsonNode> yamlDocuments(Path path) {
        List<JsonNode> documents = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(path.toFile())) {
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                    documents.add(doc);
                }
            }
        } catch (IOException e) {
            throw new AssertionError(path + " is not valid YAML: " + e.getMessage(), e);
        }
        return documents;
    }

    /**
     * What {@code docker stack deploy} would substitute when none of the variables is set: {@code ${X:-d}} and
     * {@code ${X-d}} become d, {@code ${X}} becomes empty.
     */
    static String interpolateDefaults(String text) {
        if (text == null) {
            return null;
        }
        Matcher m = INTERPOLATION.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String operator = m.group(2);
            String fallback = operator != null && operator.endsWith("-") ? m.group(3) : "";
            m.appendReplacement(out, Matcher.quoteReplacement(fallback));
        }
        m.appendTail(out);
        return out.toString();
    }
}

package io.colmeia.broker.security;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The users file (JSON), read by the broker and written by {@code colmeia users}:
 * <pre>
 * {"users": [
 *   {"username": "sala", "role": "device", "password": "pbkdf2-sha256$600000$SALT$HASH"},
 *   {"username": "nodered", "role": "subscriber", "password": "...", "subscribe": ["no1/#"]}
 * ]}
 * </pre>
 * {@code publish} and {@code subscribe} are optional and replace the role's default topic patterns.
 * Unknown fields are errors, so a typo never silently grants or drops a permission.
 */
public final class UsersFile {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Set<String> USER_FIELDS = Set.of("username", "role", "password", "publish", "subscribe");
    /** A users file larger than this is refused rather than read into memory. */
    static final long MAX_BYTES = 64L * 1024 * 1024;

    private UsersFile() {
    }

    /** Thrown for a file that cannot be used; the message names the user and field. */
    public static final class InvalidUsersFileException extends RuntimeException {
        public InvalidUsersFileException(String message) {
            super(message);
        }
    }

    /** Reads and validates the file; a missing file is an error here (callers decide what that means). */
    public static Map<String, UserEntry> read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_BYTES) {
            throw new InvalidUsersFileException(file + " is " + size + " bytes, more than " + MAX_BYTES);
        }
        return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }

    static Map<String, UserEntry> parse(String text, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new InvalidUsersFileException(source + " is not valid JSON: " + e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + ")");
        }
        if (root == null || !root.isObject()) {
            throw new InvalidUsersFileException(source + ": expected a JSON object with a \"users\" array");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!field.equals("users")) {
                throw new InvalidUsersFileException(source + ": unknown field \"" + field + "\"");
            }
        }
        JsonNode users = root.get("users");
        if (users == null || !users.isArray()) {
            throw new InvalidUsersFileException(source + ": \"users\" must be an array");
        }
        Map<String, UserEntry> out = new LinkedHashMap<>();
        int index = 0;
        for (JsonNode node : users) {
            String where = source + ": users[" + index++ + "]";
            UserEntry entry = entry(node, where);
            if (out.putIfAbsent(entry.username(), entry) != null) {
                throw new InvalidUsersFileException(where + ": username '" + entry.username() + "' appears twice");
            }
        }
        return out;
    }

    private static UserEntry entry(JsonNode node, String where) {
        if (!node.isObject()) {
            throw new InvalidUsersFileException(where + ": expected an object");
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!USER_FIELDS.contains(field)) {
                throw new InvalidUsersFileException(where + ": unknown field \"" + field + "\"");
            }
        }
        String username = text(node, "username", where);
        where = where + " ('" + username + "')";
        try {
            Role role = Role.parse(text(node, "role", where));
            PasswordHash hash;
            try {
                hash = PasswordHash.parse(text(node, "password", where));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("field \"password\" " + e.getMessage());
            }
            return new UserEntry(username, role, hash, patterns(node, "publish", where),
                    patterns(node, "subscribe", where));
        } catch (IllegalArgumentException e) {
            throw new InvalidUsersFileException(where + ": " + e.getMessage());
        }
    }

    private static String text(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new InvalidUsersFileException(where + ": field \"" + field + "\" must be a string");
        }
        return value.asText();
    }

    private static List<String> patterns(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isArray()) {
            throw new InvalidUsersFileException(where + ": field \"" + field + "\" must be an array of topic patterns");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode p : value) {
            if (!p.isTextual()) {
                throw new InvalidUsersFileException(where + ": field \"" + field + "\" must hold strings only");
            }
            out.add(p.asText());
        }
        return out;
    }

    /** Writes the users atomically (temporary file, then rename), readable by its owner only where possible. */
    public static void write(Path file, Iterable<UserEntry> users) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode list = root.putArray("users");
        for (UserEntry u : users) {
            ObjectNode n = list.addObject();
            n.put("username", u.username());
            n.put("role", u.role().name());
            n.put("password", u.password().encode());
            if (u.publish() != null) {
                u.publish().forEach(n.putArray("publish")::add);
            }
            if (u.subscribe() != null) {
                ArrayNode s = n.putArray("subscribe");
                u.subscribe().forEach(s::add);
            }
        }
        Path absolute = file.toAbsolutePath();
        Path dir = absolute.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + absolute.getFileName(), ".tmp");
        try {
            if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            }
            Files.writeString(tmp, JSON.writeValueAsString(root) + "\n", StandardCharsets.UTF_8);
            try {
                Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}

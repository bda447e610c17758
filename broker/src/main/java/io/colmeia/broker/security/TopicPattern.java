package io.colmeia.broker.security;

/**
 * An ACL topic pattern: an MQTT topic filter in which {@code %u} is the username and {@code %c} the client id.
 * Substitution never widens a grant: a value that is empty or holds '/', '+' or '#' makes the pattern grant
 * nothing (a client id "#" must not turn "dev/%c" into "dev/#").
 */
public final class TopicPattern {

    private TopicPattern() {
    }

    /** Checks a pattern as written in the users file; the message says what is wrong. */
    public static void validate(String pattern) {
        if (pattern == null || pattern.isEmpty()) {
            throw new IllegalArgumentException("empty topic pattern");
        }
        if (pattern.length() > 65535) {
            throw new IllegalArgumentException("topic pattern longer than 65535 characters");
        }
        String[] levels = pattern.split("/", -1);
        for (int i = 0; i < levels.length; i++) {
            String level = levels[i];
            if (level.contains("#") && (!level.equals("#") || i != levels.length - 1)) {
                throw new IllegalArgumentException("topic pattern '" + pattern + "': '#' must be a whole last level");
            }
            if (level.contains("+") && !level.equals("+")) {
                throw new IllegalArgumentException("topic pattern '" + pattern + "': '+' must be a whole level");
            }
        }
        String rest = pattern.replace("%u", "").replace("%c", "");
        if (rest.contains("%")) {
            throw new IllegalArgumentException("topic pattern '" + pattern + "': only %u and %c may follow '%'");
        }
    }

    /** The filter for one client, or null when a substituted value could widen it. */
    public static String substitute(String pattern, String username, String clientId) {
        String out = pattern;
        if (out.contains("%u")) {
            if (!safeLevelValue(username)) {
                return null;
            }
            out = out.replace("%u", username);
        }
        if (out.contains("%c")) {
            if (!safeLevelValue(clientId)) {
                return null;
            }
            out = out.replace("%c", clientId);
        }
        return out;
    }

    private static boolean safeLevelValue(String value) {
        return value != null && !value.isEmpty() && value.indexOf('/') < 0 && value.indexOf('+') < 0
                && value.indexOf('#') < 0 && value.indexOf('\0') < 0;
    }

    /** True when {@code topic} (a PUBLISH topic, no wildcards) matches {@code filter}. */
    public static boolean matches(String filter, String topic) {
        return covers(filter, topic);
    }

    /**
     * True when every topic {@code requested} can match is also matched by {@code granted}: the subscription
     * never receives a message outside the grant. '$'-topics are only covered by a grant that names the '$' level,
     * as MQTT's '#' and '+' do not match them.
     */
    public static boolean covers(String granted, String requested) {
        String[] g = granted.split("/", -1);
        String[] r = requested.split("/", -1);
        if (r[0].startsWith("$") && (g[0].equals("#") || g[0].equals("+"))) {
            return false;
        }
        for (int i = 0; i < g.length; i++) {
            if (g[i].equals("#")) {
                return true; // covers this level and everything below, including the parent itself
            }
            if (i >= r.length) {
                return false;
            }
            if (r[i].equals("#")) {
                return false; // the request reaches deeper than any non-# grant
            }
            if (g[i].equals("+")) {
                continue; // a single level: any literal or '+'
            }
            if (r[i].equals("+") || !g[i].equals(r[i])) {
                return false;
            }
        }
        return r.length == g.length;
    }
}

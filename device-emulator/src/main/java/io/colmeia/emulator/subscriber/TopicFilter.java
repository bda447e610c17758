package io.colmeia.emulator.subscriber;

/** MQTT 3.1.1 topic filter matching ({@code +} one level, {@code #} the rest), to know what a filter expects. */
public final class TopicFilter {

    private TopicFilter() {
    }

    public static boolean matches(String filter, String topic) {
        if (topic.startsWith("$") && (filter.startsWith("#") || filter.startsWith("+"))) {
            return false;
        }
        String[] f = filter.split("/", -1);
        String[] t = topic.split("/", -1);
        for (int i = 0; i < f.length; i++) {
            if (f[i].equals("#")) {
                return i == f.length - 1;
            }
            if (i >= t.length) {
                return false;
            }
            if (!f[i].equals("+") && !f[i].equals(t[i])) {
                return false;
            }
        }
        return f.length == t.length;
    }

    /** Null when the filter is valid, else why not. */
    public static String validate(String filter) {
        if (filter == null || filter.isEmpty()) {
            return "is empty";
        }
        String[] levels = filter.split("/", -1);
        for (int i = 0; i < levels.length; i++) {
            String l = levels[i];
            if (l.contains("#") && (!l.equals("#") || i != levels.length - 1)) {
                return "'#' must be a whole level and the last one";
            }
            if (l.contains("+") && !l.equals("+")) {
                return "'+' must be a whole level";
            }
        }
        return null;
    }
}

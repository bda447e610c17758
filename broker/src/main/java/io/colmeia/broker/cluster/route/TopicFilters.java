package io.colmeia.broker.cluster.route;

/**
 * MQTT topic filter matching (MQTT 3.1.1 §4.7, MQTT 5 §4.7): {@code +} matches one level, a trailing {@code #}
 * matches the parent level and everything below it, and a filter starting with a wildcard never matches a topic
 * starting with {@code $}. Shared subscriptions ({@code $share/group/filter}) route by their filter.
 */
public final class TopicFilters {

    private static final String SHARE_PREFIX = "$share/";

    private TopicFilters() {
    }

    /** True when a PUBLISH on {@code topic} is delivered to a subscription with {@code filter}. */
    public static boolean matches(String filter, String topic) {
        if (filter.isEmpty() || topic.isEmpty()) {
            return false;
        }
        if (topic.charAt(0) == '$' && (filter.charAt(0) == '+' || filter.charAt(0) == '#')) {
            return false;
        }
        String[] f = filter.split("/", -1);
        String[] t = topic.split("/", -1);
        for (int i = 0; i < f.length; i++) {
            if (f[i].equals("#")) {
                return i == f.length - 1; // matches this level's parent and everything below
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

    /** The filter a subscription routes by: {@code $share/group/filter} routes by {@code filter}. */
    public static String routingFilter(String subscriptionFilter) {
        if (subscriptionFilter.startsWith(SHARE_PREFIX)) {
            int slash = subscriptionFilter.indexOf('/', SHARE_PREFIX.length());
            if (slash > SHARE_PREFIX.length() && slash + 1 < subscriptionFilter.length()) {
                return subscriptionFilter.substring(slash + 1);
            }
        }
        return subscriptionFilter;
    }

}

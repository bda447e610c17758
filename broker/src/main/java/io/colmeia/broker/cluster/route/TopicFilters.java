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
        // level by level without allocating: this runs for every PUBLISH and every peer filter
        int fi = 0;
        int ti = 0;
        int fl = filter.length();
        int tl = topic.length();
        while (true) {
            int fEnd = filter.indexOf('/', fi);
            if (fEnd < 0) {
                fEnd = fl;
            }
            if (fEnd - fi == 1 && filter.charAt(fi) == '#') {
                return fEnd == fl; // matches this level's parent and everything below
            }
            if (ti > tl) {
                return false; // the topic has fewer levels
            }
            int tEnd = topic.indexOf('/', ti);
            if (tEnd < 0) {
                tEnd = tl;
            }
            boolean plus = fEnd - fi == 1 && filter.charAt(fi) == '+';
            if (!plus && (fEnd - fi != tEnd - ti || !filter.regionMatches(fi, topic, ti, fEnd - fi))) {
                return false;
            }
            if (fEnd == fl) {
                return tEnd == tl;
            }
            fi = fEnd + 1;
            ti = tEnd + 1;
        }
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

package io.colmeia.broker.cluster.share;

/**
 * How a shared subscription is kept out of HiveMQ's own {@code $share} delivery. In a cluster, a client's
 * {@code $share/GROUP/FILTER} is stored in HiveMQ as the plain subscription {@code $colmeia-share/GROUP/FILTER}
 * (the subscription is "parked"): no client PUBLISH matches it (clients cannot publish to {@code $} topics), so
 * HiveMQ never picks a member by itself. The cluster picks one member per group cluster-wide and delivers with
 * {@code publishToClient} on the parked topic {@code $colmeia-share/GROUP/TOPIC}; an outbound interceptor on
 * the member turns the topic back into {@code TOPIC}. A group is identified by its key {@code GROUP/FILTER}.
 */
public final class ShareTopics {

    public static final String SHARE_PREFIX = "$share/";
    public static final String PARKED_PREFIX = "$colmeia-share/";

    private ShareTopics() {
    }

    /** A parsed {@code $share/GROUP/FILTER} subscription. */
    public record Share(String group, String filter) {
        /** {@code GROUP/FILTER}: the group's identity in the route table. */
        public String key() {
            return group + "/" + filter;
        }

        /** The subscription HiveMQ stores instead. */
        public String parked() {
            return PARKED_PREFIX + key();
        }
    }

    /** The share in a {@code $share/GROUP/FILTER} subscription, or null when it is not a valid one. */
    public static Share parseShare(String subscriptionFilter) {
        return parse(subscriptionFilter, SHARE_PREFIX);
    }

    /** The share behind a parked subscription ({@code $colmeia-share/GROUP/FILTER}), or null. */
    public static Share parseParked(String storedFilter) {
        return parse(storedFilter, PARKED_PREFIX);
    }

    /** The share identified by a key {@code GROUP/FILTER}, or null when malformed. */
    public static Share parseKey(String key) {
        return parse(SHARE_PREFIX + key, SHARE_PREFIX);
    }

    private static Share parse(String text, String prefix) {
        if (text == null || !text.startsWith(prefix)) {
            return null;
        }
        int slash = text.indexOf('/', prefix.length());
        if (slash <= prefix.length() || slash + 1 >= text.length()) {
            return null;
        }
        String group = text.substring(prefix.length(), slash);
        if (group.indexOf('+') >= 0 || group.indexOf('#') >= 0) {
            return null;
        }
        return new Share(group, text.substring(slash + 1));
    }

    /** The topic a message on {@code topic} is delivered on to a member of {@code group}. */
    public static String parkedTopic(String group, String topic) {
        return PARKED_PREFIX + group + "/" + topic;
    }

    /** The client-visible topic of a parked topic; {@code topic} itself when it is not parked. */
    public static String unpark(String topic) {
        if (!topic.startsWith(PARKED_PREFIX)) {
            return topic;
        }
        int slash = topic.indexOf('/', PARKED_PREFIX.length());
        return slash < 0 || slash + 1 >= topic.length() ? topic : topic.substring(slash + 1);
    }
}

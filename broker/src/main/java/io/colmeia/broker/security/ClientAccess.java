package io.colmeia.broker.security;

import java.util.ArrayList;
import java.util.List;

/**
 * What one connected client may do, resolved from the users in force: re-resolved when the users file is
 * reloaded, so a removed user or a narrowed grant applies to its next PUBLISH or SUBSCRIBE at once.
 * Anonymous clients (admitted only where the listener policy allows them) may do everything.
 */
final class ClientAccess {

    private final CredentialStore store;
    private final String username;
    private final String clientId;
    private volatile Grant grant;

    /** Substituted patterns of one generation of the users file. */
    private record Grant(long generation, List<String> publish, List<String> subscribe) {
    }

    /** @param username null for an anonymous client */
    ClientAccess(CredentialStore store, String username, String clientId) {
        this.store = store;
        this.username = username;
        this.clientId = clientId;
    }

    boolean anonymous() {
        return username == null;
    }

    String describe() {
        return username == null ? "anonymous client '" + clientId + "'"
                : "user '" + username + "' (client '" + clientId + "')";
    }

    boolean mayPublish(String topic) {
        if (username == null) {
            return true;
        }
        for (String filter : grant().publish()) {
            if (TopicPattern.matches(filter, topic)) {
                return true;
            }
        }
        return false;
    }

    boolean maySubscribe(String topicFilter) {
        if (username == null) {
            return true;
        }
        String filter = withoutSharePrefix(topicFilter);
        if (filter == null) {
            return false;
        }
        for (String granted : grant().subscribe()) {
            if (TopicPattern.covers(granted, filter)) {
                return true;
            }
        }
        return false;
    }

    /** "$share/group/filter" is a subscription to "filter"; a malformed share grants nothing. */
    static String withoutSharePrefix(String topicFilter) {
        if (!topicFilter.startsWith("$share/")) {
            return topicFilter;
        }
        int group = topicFilter.indexOf('/', "$share/".length());
        return group < 0 || group == topicFilter.length() - 1 ? null : topicFilter.substring(group + 1);
    }

    private Grant grant() {
        CredentialStore.Users users = store == null ? null : store.users();
        long generation = users == null ? -1 : users.generation();
        Grant g = grant;
        if (g != null && g.generation() == generation) {
            return g;
        }
        UserEntry entry = users == null ? null : users.get(username);
        g = entry == null ? new Grant(generation, List.of(), List.of())
                : new Grant(generation, substitute(entry.effectivePublish()), substitute(entry.effectiveSubscribe()));
        grant = g;
        return g;
    }

    private List<String> substitute(List<String> patterns) {
        List<String> out = new ArrayList<>(patterns.size());
        for (String p : patterns) {
            String filter = TopicPattern.substitute(p, username, clientId);
            if (filter != null) {
                out.add(filter);
            }
        }
        return List.copyOf(out);
    }
}

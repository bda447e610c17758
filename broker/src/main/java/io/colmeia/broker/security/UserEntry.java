package io.colmeia.broker.security;

import java.util.List;
import java.util.regex.Pattern;

/**
 * One user of the users file.
 *
 * @param publish   topic patterns this user may publish to; null = its role's default
 * @param subscribe topic patterns this user may subscribe to; null = its role's default
 */
public record UserEntry(String username, Role role, PasswordHash password, List<String> publish,
                        List<String> subscribe) {

    /**
     * Usernames end up inside topic patterns ({@code %u}), metrics-free logs and file names, so they are kept
     * plain: no MQTT wildcards, no '/', no spaces or control characters.
     */
    private static final Pattern USERNAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}");

    public UserEntry {
        requireValidUsername(username);
        if (role == null) {
            throw new IllegalArgumentException("user '" + username + "': role is missing");
        }
        if (password == null) {
            throw new IllegalArgumentException("user '" + username + "': password hash is missing");
        }
        publish = publish == null ? null : List.copyOf(publish);
        subscribe = subscribe == null ? null : List.copyOf(subscribe);
        for (List<String> list : new List[] {publish, subscribe}) {
            if (list != null) {
                for (String pattern : list) {
                    TopicPattern.validate(pattern);
                }
            }
        }
    }

    public static void requireValidUsername(String username) {
        if (username == null || !USERNAME.matcher(username).matches()) {
            throw new IllegalArgumentException("username '" + username + "' is not valid: use 1-128 letters, digits,"
                    + " '.', '_', '@', ':' or '-', starting with a letter or digit");
        }
    }

    public List<String> effectivePublish() {
        return publish != null ? publish : role.defaultPublish();
    }

    public List<String> effectiveSubscribe() {
        return subscribe != null ? subscribe : role.defaultSubscribe();
    }

    public UserEntry withPassword(PasswordHash hash) {
        return new UserEntry(username, role, hash, publish, subscribe);
    }
}

package io.colmeia.broker.security;

import io.colmeia.common.config.InvalidConfigurationException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Who may connect and what a client may do, validated once.
 *
 * @param usersFile          the users file; null = no users (only anonymous clients, where allowed)
 * @param reloadInterval     how often the users file is checked for changes
 * @param allowAnonymous     which listeners accept clients without credentials
 * @param maxPublishRate     PUBLISH packets per second one connection may send (burst of one second); 0 = no limit
 * @param maxClientIdLength  longest client id accepted (bytes)
 * @param maxTopicLength     longest topic or topic filter accepted (bytes)
 * @param tls                the TLS listener, or null for none
 */
public record SecurityConfig(Path usersFile, Duration reloadInterval, ListenerPolicy.Anonymous allowAnonymous, int maxPublishRate,
                             int maxClientIdLength, int maxTopicLength, TlsListenerConfig tls) {

    public static final Duration DEFAULT_RELOAD_INTERVAL = Duration.ofSeconds(2);
    public static final int DEFAULT_MAX_CLIENT_ID_LENGTH = 256;
    public static final int DEFAULT_MAX_TOPIC_LENGTH = 1024;

    public SecurityConfig {
        if (reloadInterval == null || reloadInterval.isNegative() || reloadInterval.toMillis() < 100
                || reloadInterval.toHours() > 24) {
            throw new InvalidConfigurationException("--users-reload-interval", "must be between 100ms and 24h");
        }
        if (allowAnonymous == null) {
            allowAnonymous = ListenerPolicy.Anonymous.loopback;
        }
        if (maxPublishRate < 0) {
            throw new InvalidConfigurationException("--max-publish-rate",
                    "must be 0 (no limit) or a positive number of publishes per second, got " + maxPublishRate);
        }
        if (maxClientIdLength < 23 || maxClientIdLength > 65535) {
            throw new InvalidConfigurationException("--max-client-id-length",
                    "must be between 23 (MQTT requires servers to accept 23) and 65535, got " + maxClientIdLength);
        }
        if (maxTopicLength < 16 || maxTopicLength > 65535) {
            throw new InvalidConfigurationException("--max-topic-length",
                    "must be between 16 and 65535, got " + maxTopicLength);
        }
    }

    /** No users file, anonymous only on loopback listeners, default limits, no TLS listener. */
    public static SecurityConfig defaults() {
        return new SecurityConfig(null, DEFAULT_RELOAD_INTERVAL, ListenerPolicy.Anonymous.loopback, 0, DEFAULT_MAX_CLIENT_ID_LENGTH,
                DEFAULT_MAX_TOPIC_LENGTH, null);
    }

    public SecurityConfig withUsersFile(Path file) {
        return new SecurityConfig(file, reloadInterval, allowAnonymous, maxPublishRate, maxClientIdLength,
                maxTopicLength, tls);
    }

    public SecurityConfig withAllowAnonymous(ListenerPolicy.Anonymous allow) {
        return new SecurityConfig(usersFile, reloadInterval, allow, maxPublishRate, maxClientIdLength,
                maxTopicLength, tls);
    }

    public SecurityConfig withMaxPublishRate(int rate) {
        return new SecurityConfig(usersFile, reloadInterval, allowAnonymous, rate, maxClientIdLength,
                maxTopicLength, tls);
    }

    public SecurityConfig withTls(TlsListenerConfig listener) {
        return new SecurityConfig(usersFile, reloadInterval, allowAnonymous, maxPublishRate, maxClientIdLength,
                maxTopicLength, listener);
    }
}

package io.colmeia.broker.security;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Counters of refused connections, denied operations and rate limiting. */
final class SecurityMetrics {

    /** Why a CONNECT was refused. */
    enum AuthFailure { unknown_user, bad_password, no_password, anonymous, no_users, busy }

    /** What a client was denied. */
    enum Action { publish, subscribe, will }

    private final Map<AuthFailure, Counter> failures = new ConcurrentHashMap<>();
    private final Map<Action, Counter> denials = new ConcurrentHashMap<>();
    private final Counter acceptedUser;
    private final Counter acceptedAnonymous;
    private final Counter rateLimited;

    SecurityMetrics(MeterRegistry registry) {
        for (AuthFailure f : AuthFailure.values()) {
            failures.put(f, Counter.builder("colmeia_broker_auth_failures_total")
                    .description("CONNECTs refused by authentication, by reason").tag("reason", f.name())
                    .register(registry));
        }
        for (Action a : Action.values()) {
            denials.put(a, Counter.builder("colmeia_broker_acl_denials_total")
                    .description("Operations refused by the topic ACLs, by action").tag("action", a.name())
                    .register(registry));
        }
        acceptedUser = Counter.builder("colmeia_broker_auth_accepted_total")
                .description("CONNECTs admitted, by kind of client").tag("kind", "user").register(registry);
        acceptedAnonymous = Counter.builder("colmeia_broker_auth_accepted_total")
                .description("CONNECTs admitted, by kind of client").tag("kind", "anonymous").register(registry);
        rateLimited = Counter.builder("colmeia_broker_publishes_rate_limited_total")
                .description("PUBLISHes refused because the client exceeded --max-publish-rate").register(registry);
    }

    void failed(AuthFailure reason) {
        failures.get(reason).increment();
    }

    void denied(Action action) {
        denials.get(action).increment();
    }

    void accepted(boolean anonymous) {
        (anonymous ? acceptedAnonymous : acceptedUser).increment();
    }

    void rateLimited() {
        rateLimited.increment();
    }
}

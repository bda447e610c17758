package io.colmeia.broker.security;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which listener admits anonymous clients; pure address logic, no traffic. */
class ListenerPolicyTest {

    @Test
    void byDefaultOnlyLoopbackListenersAdmitAnonymousClients() {
        ListenerPolicy policy = new ListenerPolicy(ListenerPolicy.Anonymous.loopback);
        assertThat(policy.anonymousAllowed("127.0.0.1")).isTrue();
        assertThat(policy.anonymousAllowed("127.0.1.7")).isTrue();
        assertThat(policy.anonymousAllowed("::1")).isTrue();
        assertThat(policy.anonymousAllowed("0.0.0.0")).isFalse();
        assertThat(policy.anonymousAllowed("::")).isFalse();
        assertThat(policy.anonymousAllowed("192.168.1.10")).isFalse();
        assertThat(policy.anonymousAllowed("10.0.0.1")).isFalse();
        assertThat(policy.anonymousAllowed("")).isFalse();
    }

    @Test
    void alwaysAndNeverAreExplicit() {
        assertThat(new ListenerPolicy(ListenerPolicy.Anonymous.always).anonymousAllowed("0.0.0.0")).isTrue();
        assertThat(new ListenerPolicy(ListenerPolicy.Anonymous.never).anonymousAllowed("127.0.0.1")).isFalse();
    }
}

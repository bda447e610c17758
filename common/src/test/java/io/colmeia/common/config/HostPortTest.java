package io.colmeia.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HostPortTest {

    @Test
    void parsesHostAndPort() {
        assertThat(HostPort.parse("127.0.1.1:1883")).isEqualTo(new HostPort("127.0.1.1", 1883));
    }

    @Test
    void parsesBracketedIpv6AndPrintsItBack() {
        HostPort v6 = HostPort.parse("[::1]:1883");
        assertThat(v6.host()).isEqualTo("::1");
        assertThat(v6).hasToString("[::1]:1883");
    }

    @Test
    void wildcardBindsAreReachedOnLoopback() {
        assertThat(HostPort.parse("0.0.0.0:9100").reachable()).isEqualTo(new HostPort("127.0.0.1", 9100));
    }

    @Test
    void rejectsMissingPortBadPortAndEmptyHost() {
        assertThatThrownBy(() -> HostPort.parse("localhost")).hasMessageContaining("expected HOST:PORT");
        assertThatThrownBy(() -> HostPort.parse("h:0")).hasMessageContaining("outside 1..65535");
        assertThatThrownBy(() -> HostPort.parse("h:x")).hasMessageContaining("not a number");
        assertThatThrownBy(() -> HostPort.parse(":1883")).hasMessageContaining("expected HOST:PORT");
        assertThatThrownBy(() -> HostPort.parse("::1:1883")).hasMessageContaining("expected HOST:PORT");
        assertThatThrownBy(() -> HostPort.parse("")).hasMessageContaining("empty");
    }
}

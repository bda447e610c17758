package io.colmeia.emulator.resolve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.colmeia.common.config.HostPort;
import io.colmeia.emulator.testing.FakeDns;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DnsResolverTest {

    @Test
    void takesTheFirstARecordLikeLwip() throws Exception {
        try (FakeDns dns = new FakeDns("mqtt.colmeia.internal", List.of("127.0.0.7", "127.0.0.8", "127.0.0.9"))) {
            DnsResolver resolver = new DnsResolver(new HostPort("127.0.0.1", dns.port()), "mqtt.colmeia.internal",
                    1883, Duration.ofSeconds(2));
            InetSocketAddress address = resolver.resolve().toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(address.getAddress().getHostAddress()).isEqualTo("127.0.0.7");
            assertThat(address.getPort()).isEqualTo(1883);

            dns.answer(List.of("127.0.0.9", "127.0.0.7"));
            assertThat(resolver.resolve().toCompletableFuture().get(5, TimeUnit.SECONDS).getAddress()
                    .getHostAddress()).isEqualTo("127.0.0.9");
            assertThat(dns.queries()).isEqualTo(2);
            assertThat(resolver.queries()).isEqualTo(2);
        }
    }

    @Test
    void anUnknownNameFailsWithTheDnsAnswer() throws Exception {
        try (FakeDns dns = new FakeDns("mqtt.colmeia.internal", List.of("127.0.0.7"))) {
            DnsResolver resolver = new DnsResolver(new HostPort("127.0.0.1", dns.port()), "other.example", 1883,
                    Duration.ofSeconds(2));
            assertThatThrownBy(() -> resolver.resolve().toCompletableFuture().get(5, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("NXDOMAIN");
        }
    }

    @Test
    void anAnswerWithoutAddressesFails() throws Exception {
        try (FakeDns dns = new FakeDns("mqtt.colmeia.internal", List.of())) {
            DnsResolver resolver = new DnsResolver(new HostPort("127.0.0.1", dns.port()), "mqtt.colmeia.internal",
                    1883, Duration.ofSeconds(2));
            assertThatThrownBy(() -> resolver.resolve().toCompletableFuture().get(5, TimeUnit.SECONDS))
                    .hasMessageContaining("no A record");
        }
    }
}

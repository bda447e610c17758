package io.colmeia.emulator.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.colmeia.common.config.HostPort;
import io.colmeia.emulator.resolve.DnsResolver;
import io.colmeia.emulator.resolve.FixedResolver;
import io.colmeia.emulator.stats.ClientStats;
import io.colmeia.emulator.subscriber.TelemetryFields;
import io.colmeia.emulator.testing.Clients;
import io.colmeia.emulator.testing.FakeBroker;
import io.colmeia.emulator.testing.FakeDns;
import io.colmeia.emulator.testing.FreePorts;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A device whose broker goes away: backoff, reconnect, re-resolve, retransmit what was not acknowledged. */
class ReconnectTest {

    private EventLoopGroup group;
    private DeviceFleet fleet;

    @BeforeEach
    void loops() {
        group = new NioEventLoopGroup(2);
    }

    @AfterEach
    void stop() throws Exception {
        if (fleet != null) {
            fleet.close().get(10, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    @Test
    void unacknowledgedQos1MessagesAreSentAgainWithDupAfterTheBrokerDropsTheConnection() throws Exception {
        try (FakeBroker broker = new FakeBroker("127.0.0.1", 0)) {
            broker.acknowledge(false);
            ClientStats stats = new ClientStats();
            fleet = new DeviceFleet(Clients.fleet(1, 1, Duration.ofMillis(20), 5), Clients.client(false, 10),
                    group, new FixedResolver(new HostPort("127.0.0.1", broker.port())), stats);
            fleet.start(true);
            await().atMost(Duration.ofSeconds(10)).until(() -> telemetry(broker.received(), false).size() == 5);
            assertThat(stats.acknowledged.sum()).isZero();

            broker.acknowledge(true);
            broker.dropConnections();

            await().atMost(Duration.ofSeconds(10)).until(() -> stats.acknowledged.sum() == 5
                    && fleet.inFlight() == 0);
            assertThat(broker.connects()).isGreaterThanOrEqualTo(2);
            assertThat(stats.connectionsLost.sum()).isGreaterThanOrEqualTo(1);
            List<FakeBroker.Received> first = telemetry(broker.received(), false);
            List<FakeBroker.Received> resent = telemetry(broker.received(), true);
            assertThat(first).hasSize(5);
            assertThat(resent).hasSize(5);
            for (int i = 0; i < 5; i++) {
                FakeBroker.Received a = first.get(i);
                FakeBroker.Received b = resent.get(i);
                assertThat(b.packetId()).isEqualTo(a.packetId());
                assertThat(b.payload()).isEqualTo(a.payload());
                assertThat(TelemetryFields.parse(b.payload()).seq()).isEqualTo(i + 1);
            }
            // the retained "online" status was unacknowledged too and is resent as well
            assertThat(stats.retransmitted.sum()).isEqualTo(6);
        }
    }

    @Test
    void qos2MessagesAcknowledgedWithPubrecAreReleasedAgainNotRepublishedAfterReconnect() throws Exception {
        try (FakeBroker broker = new FakeBroker("127.0.0.1", 0)) {
            broker.completeQos2(false); // PUBREC yes, PUBCOMP no: the device owes PUBREL after reconnect
            ClientStats stats = new ClientStats();
            fleet = new DeviceFleet(Clients.fleet(1, 2, Duration.ofMillis(20), 3), Clients.client(false, 10),
                    group, new FixedResolver(new HostPort("127.0.0.1", broker.port())), stats);
            fleet.start(true);
            await().atMost(Duration.ofSeconds(10)).until(() -> broker.pubrels().size() == 3);
            assertThat(stats.acknowledged.sum()).isZero();

            broker.completeQos2(true);
            broker.dropConnections();

            await().atMost(Duration.ofSeconds(10)).until(() -> stats.acknowledged.sum() == 3
                    && fleet.inFlight() == 0);
            List<FakeBroker.Received> first = telemetry(broker.received(), false);
            assertThat(first).hasSize(3).allMatch(r -> r.qos() == 2);
            assertThat(telemetry(broker.received(), true)).isEmpty(); // released messages are not published again
            List<Integer> ids = first.stream().map(FakeBroker.Received::packetId).toList();
            assertThat(broker.pubrels()).hasSize(6);
            assertThat(broker.pubrels().subList(0, 3)).containsExactlyElementsOf(ids);
            assertThat(broker.pubrels().subList(3, 6)).containsExactlyElementsOf(ids);
        }
    }

    @Test
    void afterItsBrokerIsKilledADeviceResolvesTheNameAgainAndFollowsTheFirstRecord() throws Exception {
        int port = FreePorts.tcpOnBoth();
        FakeBroker a = new FakeBroker("127.0.0.1", port);
        FakeBroker b = null;
        try (FakeDns dns = new FakeDns("mqtt.colmeia.internal", List.of("127.0.0.1", "127.0.0.2"))) {
            b = new FakeBroker("127.0.0.2", port);
            ClientStats stats = new ClientStats();
            DnsResolver resolver = new DnsResolver(new HostPort("127.0.0.1", dns.port()), "mqtt.colmeia.internal",
                    port, Duration.ofSeconds(2));
            fleet = new DeviceFleet(Clients.fleet(1, 1, Duration.ofMillis(50), 0), Clients.client(false, 10),
                    group, resolver, stats);
            fleet.start(true);
            await().atMost(Duration.ofSeconds(10)).until(() -> !telemetry(a.received(), false).isEmpty());
            assertThat(fleet.devices().get(0).session().lastAddress().getAddress().getHostAddress())
                    .isEqualTo("127.0.0.1");

            dns.answer(List.of("127.0.0.2", "127.0.0.1"));
            a.close(); // the replica dies: listener and connections gone

            FakeBroker second = b;
            await().atMost(Duration.ofSeconds(10)).until(() -> !telemetry(second.received(), false).isEmpty());
            assertThat(fleet.devices().get(0).session().lastAddress().getAddress().getHostAddress())
                    .isEqualTo("127.0.0.2");
            assertThat(resolver.queries()).isGreaterThanOrEqualTo(2);
            assertThat(dns.queries()).isGreaterThanOrEqualTo(2);
            assertThat(stats.connectionsLost.sum()).isEqualTo(1);
            assertThat(stats.connected.get()).isEqualTo(1);
        } finally {
            if (fleet != null) {
                fleet.close().get(10, TimeUnit.SECONDS);
                fleet = null;
            }
            if (b != null) {
                b.close();
            }
            a.close();
        }
    }

    private static List<FakeBroker.Received> telemetry(List<FakeBroker.Received> all, boolean dup) {
        return all.stream().filter(r -> r.topic().endsWith("/temperatura") && r.dup() == dup).toList();
    }
}

package io.colmeia.emulator.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.colmeia.common.config.HostPort;
import io.colmeia.emulator.resolve.FixedResolver;
import io.colmeia.emulator.stats.ClientStats;
import io.colmeia.emulator.testing.Clients;
import io.colmeia.emulator.testing.FakeBroker;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A fault drill learns from each device exactly which readings the broker acknowledged, and its outages. */
class DeviceObserverTest {

    @Test
    void observerSeesOnlyAcknowledgedReadingsAndEveryConnectionChange() throws Exception {
        EventLoopGroup group = new NioEventLoopGroup(1);
        List<Long> acknowledged = new CopyOnWriteArrayList<>();
        AtomicInteger connected = new AtomicInteger();
        AtomicInteger lost = new AtomicInteger();
        DeviceObserver observer = new DeviceObserver() {
            @Override
            public void acknowledged(DeviceIdentity device, long seq) {
                acknowledged.add(seq);
            }

            @Override
            public void connected(DeviceIdentity device, InetSocketAddress address) {
                connected.incrementAndGet();
            }

            @Override
            public void connectionLost(DeviceIdentity device) {
                lost.incrementAndGet();
            }
        };
        DeviceFleet fleet = null;
        try (FakeBroker broker = new FakeBroker("127.0.0.1", 0)) {
            broker.acknowledge(false);
            fleet = new DeviceFleet(Clients.fleet(1, 1, Duration.ofMillis(20), 4), Clients.client(false, 10),
                    group, new FixedResolver(new HostPort("127.0.0.1", broker.port())), new ClientStats(), observer);
            fleet.start(true);
            DeviceFleet running = fleet;
            await().atMost(Duration.ofSeconds(10)).until(() -> running.devices().get(0).lastSeq() == 4);
            assertThat(acknowledged).as("nothing was acknowledged yet").isEmpty();
            assertThat(connected.get()).isEqualTo(1);

            broker.acknowledge(true);
            broker.dropConnections();

            await().atMost(Duration.ofSeconds(10)).until(() -> acknowledged.size() == 4);
            assertThat(acknowledged).containsExactlyInAnyOrder(1L, 2L, 3L, 4L); // status messages are not telemetry
            assertThat(lost.get()).isEqualTo(1);
            assertThat(connected.get()).isEqualTo(2);
        } finally {
            if (fleet != null) {
                fleet.close().get(10, TimeUnit.SECONDS);
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }
}

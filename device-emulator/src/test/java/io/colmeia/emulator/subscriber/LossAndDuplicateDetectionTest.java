package io.colmeia.emulator.subscriber;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.colmeia.common.config.HostPort;
import io.colmeia.emulator.device.DeviceFleet;
import io.colmeia.emulator.resolve.FixedResolver;
import io.colmeia.emulator.stats.ClientStats;
import io.colmeia.emulator.testing.Clients;
import io.colmeia.emulator.testing.FakeBroker;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A broker that drops and duplicates on purpose: the subscribers must count exactly that. */
class LossAndDuplicateDetectionTest {

    @Test
    void subscribersCountWhatABrokerDropsAndDuplicates() throws Exception {
        EventLoopGroup group = new NioEventLoopGroup(2);
        DeviceFleet fleet = null;
        SubscriberGroup subs = null;
        try (FakeBroker broker = new FakeBroker("127.0.0.1", 0)) {
            // forwarded message n: n % 10 == 3 is dropped (10 of 100), else n % 7 == 5 is sent twice (13 of 100)
            broker.forwardCopies(n -> n % 10 == 3 ? 0 : n % 7 == 5 ? 2 : 1);
            FixedResolver resolver = new FixedResolver(new HostPort("127.0.0.1", broker.port()));
            subs = new SubscriberGroup(1, "sub", "+/+/temperatura", 1, Clients.client(true, 10), group, resolver);
            subs.start();
            SubscriberGroup s = subs;
            await().atMost(Duration.ofSeconds(10)).until(s::allSubscribed);

            fleet = new DeviceFleet(Clients.fleet(2, 1, Duration.ofMillis(5), 50), Clients.client(true, 10),
                    group, resolver, new ClientStats());
            fleet.start(true);
            DeviceFleet f = fleet;
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                assertThat(f.allFinished()).isTrue();
                assertThat(s.unique()).isEqualTo(90);
                assertThat(s.duplicates()).isEqualTo(13);
            });
            assertThat(s.expected(f.devices())).isEqualTo(100);
            assertThat(s.missing(f.devices())).isEqualTo(10);
            assertThat(s.outOfOrder()).isZero();
        } finally {
            if (fleet != null) {
                fleet.close().get(10, TimeUnit.SECONDS);
            }
            if (subs != null) {
                subs.close().get(10, TimeUnit.SECONDS);
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }
}

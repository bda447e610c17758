package io.colmeia.broker.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.colmeia.broker.BrokerConfig;
import io.colmeia.broker.BrokerReplica;
import io.colmeia.broker.extension.ConnectionGate;
import io.colmeia.common.testing.MqttClients;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Without a users file every admitted client is anonymous and may do everything, so the replica installs neither
 * the publish guard nor the authorizer (each costs HiveMQ a hand-off per PUBLISH and a context per connection);
 * a publish rate limit still needs the guard.
 */
class AnonymousOnlyTest {

    @Test
    void theGuardIsInstalledOnlyWhenSomethingCanBeRefused(@TempDir Path dir) throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Path usersFile = dir.resolve("users.json");
        UsersFile.write(usersFile, SecuredBroker.users());
        try (Security open = new Security(SecurityConfig.defaults(), new ConnectionGate(registry), registry);
             Security limited = new Security(SecurityConfig.defaults().withMaxPublishRate(5),
                     new ConnectionGate(registry), registry);
             Security users = new Security(SecurityConfig.defaults().withUsersFile(usersFile),
                     new ConnectionGate(registry), registry)) {
            assertThat(open.restrictsClients()).isFalse();
            assertThat(open.authorizers()).isNull();
            assertThat(limited.restrictsClients()).isTrue();
            assertThat(limited.authorizers()).isNull();
            assertThat(users.restrictsClients()).isTrue();
            assertThat(users.authorizers()).isNotNull();
        }
    }

    @Test
    void anonymousClientsPublishAndSubscribeFreelyAndTheRateLimitStillHolds(@TempDir Path dir) throws Exception {
        BrokerConfig base = SecuredBroker.config("anon-1", "127.0.5.7", dir.resolve("broker"), null,
                ListenerPolicy.Anonymous.loopback);
        BrokerConfig config = new BrokerConfig(base.nodeId(), base.mqtt(), base.http(), base.dataDir(),
                base.persistence(), base.maxQueueSize(), base.maxPacketSize(), base.maxConnections(),
                base.connectTimeout(), base.shutdownGrace(), base.cluster(), base.telemetry(),
                base.security().withMaxPublishRate(3));
        try (BrokerReplica replica = new BrokerReplica(config)) {
            replica.start();
            List<String> received = new CopyOnWriteArrayList<>();
            MqttClient subscriber = SecuredBroker.v3(replica.config().mqtt(), "anon-sub", null, null);
            subscriber.subscribe("#", 1, (topic, message) -> received.add(topic));
            var publisher = SecuredBroker.v5(replica.config().mqtt(), "anon-pub", null, null);
            int refused = SecuredBroker.publishCountingRateLimited(publisher, 30, i -> "qualquer/" + i);
            // 3 per second with a burst of 3: 30 publishes cannot all pass unless they took over 9 s
            assertThat(refused).isGreaterThan(0);
            int delivered = 30 - refused;
            await().atMost(Duration.ofSeconds(10)).until(() -> received.size() >= delivered);
            assertThat(received).hasSize(delivered).allMatch(topic -> topic.startsWith("qualquer/"));
            SecuredBroker.close(publisher);
            MqttClients.closeQuietly(subscriber);
        }
    }
}

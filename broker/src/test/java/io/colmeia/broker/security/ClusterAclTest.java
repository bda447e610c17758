package io.colmeia.broker.security;

import static io.colmeia.broker.security.SecuredBroker.ADMIN;
import static io.colmeia.broker.security.SecuredBroker.ADMIN_PASSWORD;
import static io.colmeia.broker.security.SecuredBroker.DEVICE;
import static io.colmeia.broker.security.SecuredBroker.DEVICE_PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.colmeia.common.testing.MqttClients;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two clustered replicas: a refused PUBLISH is not forwarded, so it reaches nobody on any replica. */
class ClusterAclTest {

    @Test
    void aPublishOutsideTheDevicesAclReachesNobodyOnAnyReplica(@TempDir Path dir) throws Exception {
        Path usersFile = dir.resolve("users.json");
        UsersFile.write(usersFile, SecuredBroker.users());
        AclReplica a = new AclReplica("acl-a", "127.0.5.10", dir.resolve("a"));
        AclReplica b = new AclReplica("acl-b", "127.0.5.11", dir.resolve("b"));
        List<MqttClient> clients = new CopyOnWriteArrayList<>();
        try {
            String[] security = {"--users-file", usersFile.toString(), "--allow-anonymous", "never"};
            a.start(List.of(b.cluster), security);
            b.start(List.of(a.cluster), security);
            a.awaitReady(Duration.ofSeconds(90));
            b.awaitReady(Duration.ofSeconds(90));
            await().atMost(Duration.ofSeconds(30)).until(() -> a.metric("colmeia_broker_cluster_peers", "up") == 1);

            List<String> onA = new CopyOnWriteArrayList<>();
            List<String> onB = new CopyOnWriteArrayList<>();
            MqttClient adminA = SecuredBroker.v3(a.mqtt, "admin-a", ADMIN, ADMIN_PASSWORD);
            clients.add(adminA);
            adminA.subscribe("#", 1, (topic, m) -> onA.add(topic));
            MqttClient adminB = SecuredBroker.v3(b.mqtt, "admin-b", ADMIN, ADMIN_PASSWORD);
            clients.add(adminB);
            adminB.subscribe("#", 1, (topic, m) -> onB.add(topic));
            // B's route for '#' must have reached A, or nothing would be forwarded at all
            await().atMost(Duration.ofSeconds(30)).until(() -> a.metric("colmeia_broker_cluster_routes", "") >= 1);

            var device = SecuredBroker.v5(a.mqtt, "device-a", DEVICE, DEVICE_PASSWORD);
            var refused = device.publish("no1/quarto/temperatura", "1".getBytes(StandardCharsets.UTF_8), 1, false);
            int reason;
            try {
                refused.waitForCompletion(15_000);
                reason = refused.getReasonCodes()[0];
            } catch (org.eclipse.paho.mqttv5.common.MqttException e) {
                reason = e.getReasonCode();
            }
            assertThat(reason).isEqualTo(0x87);
            device.publish("no1/sala/temperatura", "2".getBytes(StandardCharsets.UTF_8), 1, false)
                    .waitForCompletion(15_000);
            await().atMost(Duration.ofSeconds(20)).until(() -> onA.size() >= 1 && onB.size() >= 1);
            assertThat(onA).containsExactly("no1/sala/temperatura");
            assertThat(onB).containsExactly("no1/sala/temperatura");
            assertThat(a.metric("colmeia_broker_cluster_forwards_total", "peer=\"acl-b\"")).isEqualTo(1);
            assertThat(a.metric("colmeia_broker_acl_denials_total", "action=\"publish\"")).isEqualTo(1);
            SecuredBroker.close(device);
        } catch (RuntimeException | AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n--- acl-a:\n" + a.logTail() + "\n--- acl-b:\n" + b.logTail(), e);
        } finally {
            clients.forEach(MqttClients::closeQuietly);
            a.close();
            b.close();
        }
    }
}

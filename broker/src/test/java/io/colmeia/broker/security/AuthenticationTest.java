package io.colmeia.broker.security;

import static io.colmeia.broker.security.SecuredBroker.DEVICE;
import static io.colmeia.broker.security.SecuredBroker.DEVICE_PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.colmeia.broker.BrokerReplica;
import io.colmeia.common.config.HostPort;
import io.colmeia.common.testing.MqttClients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * CONNECT decisions on a replica that admits no anonymous client (as a listener off loopback does by default):
 * the CONNACK code each MQTT version gets, and users added to the file while it runs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthenticationTest {

    private BrokerReplica replica;
    private HostPort mqtt;
    private Path usersFile;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        usersFile = dir.resolve("users.json");
        UsersFile.write(usersFile, SecuredBroker.users());
        replica = new BrokerReplica(SecuredBroker.config("auth-1", "127.0.5.1", dir.resolve("broker"), usersFile,
                ListenerPolicy.Anonymous.never));
        replica.start();
        mqtt = replica.config().mqtt();
    }

    @AfterAll
    void stop() {
        if (replica != null) {
            replica.close();
        }
    }

    @Test
    void theRightPasswordIsAdmittedOnBothVersions() throws Exception {
        MqttClient v3 = SecuredBroker.v3(mqtt, "ok-v3", DEVICE, DEVICE_PASSWORD);
        assertThat(v3.isConnected()).isTrue();
        MqttClients.closeQuietly(v3);
        var v5 = SecuredBroker.v5(mqtt, "ok-v5", DEVICE, DEVICE_PASSWORD);
        assertThat(v5.isConnected()).isTrue();
        SecuredBroker.close(v5);
    }

    @Test
    void aWrongPasswordGetsBadUsernameOrPassword() {
        assertThat(v3Refusal(DEVICE, "not-the-password")).isEqualTo(4);
        assertThat(v5Refusal(DEVICE, "not-the-password")).isEqualTo(0x86);
    }

    @Test
    void anUnknownUserGetsBadUsernameOrPassword() {
        assertThat(v3Refusal("nobody", "whatever-password")).isEqualTo(4);
        assertThat(v5Refusal("nobody", "whatever-password")).isEqualTo(0x86);
    }

    @Test
    void anAnonymousClientIsNotAuthorizedWhereTheListenerRequiresCredentials() throws Exception {
        assertThat(v3Refusal(null, null)).isEqualTo(5);
        assertThat(v5Refusal(null, null)).isEqualTo(0x87);
        String metrics = metrics();
        assertThat(metric(metrics, "colmeia_broker_auth_failures_total{node=\"auth-1\",reason=\"anonymous\"}"))
                .isGreaterThanOrEqualTo(2);
    }

    @Test
    void aUserAddedToTheFileCanConnectWithoutARestartAndARemovedOneIsDisconnected() throws Exception {
        assertThat(v3Refusal("quarto", "password-of-quarto")).isEqualTo(4);
        List<UserEntry> more = new ArrayList<>(SecuredBroker.users());
        more.add(CredentialStoreTest.user("quarto", Role.device, "password-of-quarto"));
        UsersFile.write(usersFile, more);
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
            MqttClient c = SecuredBroker.v3(mqtt, "quarto-1", "quarto", "password-of-quarto");
            MqttClients.closeQuietly(c);
            return true;
        });
        MqttClient stillConnected = SecuredBroker.v3(mqtt, "quarto-2", "quarto", "password-of-quarto");
        UsersFile.write(usersFile, SecuredBroker.users());
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .ignoreExceptions().until(() -> v3Refusal("quarto", "password-of-quarto") == 4);
        // the removed user's open connection is closed too: its subscriptions end with it
        await().atMost(Duration.ofSeconds(20)).until(() -> !stillConnected.isConnected());
        MqttClients.closeQuietly(stillConnected);
    }

    /** The CONNACK return code of a refused 3.1.1 CONNECT; fails (closing the client) if it was accepted. */
    private int v3Refusal(String username, String password) {
        try {
            MqttClient accepted = SecuredBroker.v3(mqtt, "refused-v3", username, password);
            MqttClients.closeQuietly(accepted);
        } catch (MqttException e) {
            return e.getReasonCode();
        }
        throw new AssertionError("CONNECT of '" + username + "' should have been refused");
    }

    /** The CONNACK reason code of a refused MQTT 5 CONNECT; fails (closing the client) if it was accepted. */
    private int v5Refusal(String username, String password) {
        try {
            SecuredBroker.close(SecuredBroker.v5(mqtt, "refused-v5", username, password));
        } catch (org.eclipse.paho.mqttv5.common.MqttException e) {
            return e.getReasonCode();
        }
        throw new AssertionError("CONNECT of '" + username + "' should have been refused");
    }

    private String metrics() throws Exception {
        return MetricsText.of(replica);
    }

    static double metric(String metrics, String prefix) {
        return metrics.lines().filter(l -> l.startsWith(prefix))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(0);
    }
}

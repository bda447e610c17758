package io.colmeia.broker.security;

import io.colmeia.broker.BrokerConfig;
import io.colmeia.broker.cluster.ClusterConfig;
import io.colmeia.common.config.HostPort;
import io.colmeia.common.testing.FreePorts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;

/** What the security tests share: users, a replica's configuration, MQTT 3.1.1 and 5 clients with credentials. */
final class SecuredBroker {

    static final String DEVICE = "sala";
    static final String DEVICE_PASSWORD = "password-of-sala";
    static final String NODERED = "nodered";
    static final String NODERED_PASSWORD = "password-of-nodered";
    static final String ADMIN = "ops";
    static final String ADMIN_PASSWORD = "password-of-ops";

    private SecuredBroker() {
    }

    private static final List<UserEntry> USERS = List.of(CredentialStoreTest.user(DEVICE, Role.device, DEVICE_PASSWORD),
                new UserEntry(NODERED, Role.subscriber, PasswordHash.create(NODERED_PASSWORD.toCharArray(),
                        PasswordHash.MIN_ITERATIONS), null, List.of("no1/#")),
                CredentialStoreTest.user(ADMIN, Role.admin, ADMIN_PASSWORD));

    /** A device (publishes +/sala/#), a subscriber limited to no1/#, an admin; the same hashes every time. */
    static List<UserEntry> users() {
        return USERS;
    }

    static BrokerConfig config(String nodeId, String host, Path dataDir, Path usersFile,
                               ListenerPolicy.Anonymous anonymous) {
        HostPort mqtt = FreePorts.on(host);
        HostPort http = FreePorts.on(host);
        return new BrokerConfig(nodeId, mqtt, http, dataDir, BrokerConfig.PersistenceMode.memory, 1000, 1_048_576,
                -1, Duration.ofSeconds(10), Duration.ofSeconds(1), ClusterConfig.standalone(), null,
                SecurityConfig.defaults().withUsersFile(usersFile).withAllowAnonymous(anonymous));
    }

    /** An MQTT 3.1.1 client; null username = anonymous. Throws with Paho's reason code (CONNACK return code). */
    static MqttClient v3(HostPort broker, String clientId, String username, String password) throws MqttException {
        MqttClient client = new MqttClient("tcp://" + broker, clientId, new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(true);
        options.setConnectionTimeout(10);
        options.setAutomaticReconnect(false);
        if (username != null) {
            options.setUserName(username);
            options.setPassword(password.toCharArray());
        }
        try {
            client.connect(options);
        } catch (MqttException e) {
            client.close();
            throw e;
        }
        return client;
    }

    /** An MQTT 5 client; throws with the CONNACK reason code. */
    static org.eclipse.paho.mqttv5.client.MqttAsyncClient v5(HostPort broker, String clientId, String username,
                                                         String password)
            throws org.eclipse.paho.mqttv5.common.MqttException {
        org.eclipse.paho.mqttv5.client.MqttAsyncClient client = new org.eclipse.paho.mqttv5.client.MqttAsyncClient(
                "tcp://" + broker, clientId, new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        options.setConnectionTimeout(10);
        options.setAutomaticReconnect(false);
        if (username != null) {
            options.setUserName(username);
            options.setPassword(password.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        try {
            client.connect(options).waitForCompletion(15_000);
        } catch (org.eclipse.paho.mqttv5.common.MqttException e) {
            client.close();
            throw e;
        }
        return client;
    }

    static void close(org.eclipse.paho.mqttv5.client.MqttAsyncClient client) {
        try {
            if (client.isConnected()) {
                client.disconnect().waitForCompletion(5_000);
            }
            client.close();
        } catch (org.eclipse.paho.mqttv5.common.MqttException e) {
            // the test's assertions matter more than a failed close
        }
    }

    /**
     * Publishes {@code count} QoS 1 messages one after the other, to {@code topic.apply(i)} with payload {@code i},
     * and returns how many the broker refused with 0x97 (quota exceeded: the publish rate limit).
     */
    static int publishCountingRateLimited(org.eclipse.paho.mqttv5.client.MqttAsyncClient client, int count,
            java.util.function.IntFunction<String> topic) throws Exception {
        int refused = 0;
        for (int i = 0; i < count; i++) {
            org.eclipse.paho.mqttv5.client.IMqttToken token = publishWhenPahoHasRoom(client, topic.apply(i), i);
            try {
                token.waitForCompletion(15_000);
                refused += token.getReasonCodes()[0] == 0x97 ? 1 : 0;
            } catch (org.eclipse.paho.mqttv5.common.MqttException e) {
                refused += e.getReasonCode() == 0x97 ? 1 : 0;
            }
        }
        return refused;
    }

    /**
     * Paho frees its in-flight slot a moment after it completes the token of the previous publish, so a publish
     * sent right after can be refused on the client side ("Too many publishes in progress"): retry briefly.
     */
    private static org.eclipse.paho.mqttv5.client.IMqttToken publishWhenPahoHasRoom(
            org.eclipse.paho.mqttv5.client.MqttAsyncClient client, String topic, int i) throws Exception {
        for (int attempt = 0; ; attempt++) {
            try {
                return client.publish(topic, Integer.toString(i).getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        1, false);
            } catch (org.eclipse.paho.mqttv5.common.MqttException e) {
                if (e.getReasonCode() != 32202 // Paho: REASON_CODE_MAX_INFLIGHT
                        || attempt >= 100) {
                    throw e;
                }
                Thread.sleep(10);
            }
        }
    }
}

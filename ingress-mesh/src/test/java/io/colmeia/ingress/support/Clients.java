package io.colmeia.ingress.support;

import io.colmeia.common.config.HostPort;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/** Paho MQTT 3.1.1 clients for tests, and the "which replica am I on" question they can answer. */
public final class Clients {

    /** Each replica holds a retained message on this topic naming itself (published directly to it). */
    public static final String WHOAMI = "colmeia/test/whoami";

    private Clients() {
    }

    public static MqttClient connect(HostPort via, String clientId) throws MqttException {
        MqttClient client = new MqttClient("tcp://" + via, clientId, new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(true);
        options.setConnectionTimeout(10);
        options.setKeepAliveInterval(30);
        options.setMaxInflight(1000);
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        try {
            client.connect(options);
        } catch (MqttException e) {
            closeQuietly(client);
            throw e;
        }
        return client;
    }

    /** Publishes the retained name of a replica to it directly (not through the ingress). */
    public static void label(HostPort replica, String name) throws java.io.IOException {
        try (RawMqtt client = RawMqtt.connect(replica, "labeler-" + replica.port())) {
            client.publish(WHOAMI, name.getBytes(StandardCharsets.UTF_8), true, true);
        }
    }

    /** The name of the replica this connected client is on, read from its retained label. */
    public static String whoami(MqttClient client) throws Exception {
        BlockingQueue<String> answers = new LinkedBlockingQueue<>();
        client.subscribe(WHOAMI, 1, (topic, message) ->
                answers.add(new String(message.getPayload(), StandardCharsets.UTF_8)));
        String answer = answers.poll(10, TimeUnit.SECONDS);
        client.unsubscribe(WHOAMI);
        if (answer == null) {
            throw new AssertionError("no retained label received within 10 s");
        }
        return answer;
    }

    /** Connects through {@code via}, asks which replica it landed on, disconnects. */
    public static String whichReplica(HostPort via, String clientId) throws Exception {
        MqttClient client = connect(via, clientId);
        try {
            return whoami(client);
        } finally {
            closeQuietly(client);
        }
    }

    /** Publishes to a fresh topic and waits for its own message: the connection works end to end. */
    public static boolean roundTrip(MqttClient client) throws Exception {
        String topic = "colmeia/test/rt/" + client.getClientId() + "/" + System.nanoTime();
        BlockingQueue<String> got = new LinkedBlockingQueue<>();
        client.subscribe(topic, 1, (t, m) -> got.add(new String(m.getPayload(), StandardCharsets.UTF_8)));
        client.publish(topic, new MqttMessage("ping".getBytes(StandardCharsets.UTF_8)));
        String answer = got.poll(10, TimeUnit.SECONDS);
        client.unsubscribe(topic);
        return "ping".equals(answer);
    }

    public static void closeQuietly(MqttClient client) {
        if (client == null) {
            return;
        }
        try {
            if (client.isConnected()) {
                client.disconnect(1000);
            }
        } catch (MqttException | RuntimeException ignored) {
            // best effort
        }
        try {
            client.disconnectForcibly(100, 100);
        } catch (MqttException | RuntimeException ignored) {
            // already disconnected
        }
        try {
            client.close(true);
        } catch (MqttException | RuntimeException ignored) {
            // already closed
        }
    }
}

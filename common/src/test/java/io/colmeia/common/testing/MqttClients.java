package io.colmeia.common.testing;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/** MQTT 3.1.1 test clients (Paho), as every module's tests connect and close them. */
public final class MqttClients {

    private MqttClients() {
    }

    /** A connected client; {@code hostPort} as "HOST:PORT". */
    public static MqttClient connect(String hostPort, String clientId, boolean cleanSession) throws MqttException {
        MqttClient client = new MqttClient("tcp://" + hostPort, clientId, new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(cleanSession);
        options.setConnectionTimeout(10);
        options.setAutomaticReconnect(false);
        client.connect(options);
        return client;
    }

    /** Disconnects and closes; a failure here never hides the test's own assertion. */
    public static void closeQuietly(MqttClient client) {
        try {
            if (client.isConnected()) {
                client.disconnect();
            }
            client.close();
        } catch (MqttException e) {
            // the test's own assertions matter more than a failed close
        }
    }

    /**
     * Publishes at QoS 1, retrying briefly while Paho refuses on the client side because its in-flight window is
     * full: Paho frees a slot a moment after it completes the previous publish's token.
     */
    public static void publishWhenInflightFree(MqttClient client, String topic, byte[] payload)
            throws MqttException, InterruptedException {
        for (int attempt = 0; ; attempt++) {
            try {
                client.publish(topic, new MqttMessage(payload));
                return;
            } catch (MqttException e) {
                if (e.getReasonCode() != MqttException.REASON_CODE_MAX_INFLIGHT || attempt >= 100) {
                    throw e;
                }
                Thread.sleep(5);
            }
        }
    }
}

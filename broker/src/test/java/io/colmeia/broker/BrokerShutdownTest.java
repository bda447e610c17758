package io.colmeia.broker;

import io.colmeia.common.testing.FreePorts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.colmeia.common.config.HostPort;
import io.colmeia.common.probe.MqttProbe;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Closing a replica tells MQTT 5 clients "server shutting down" so they reconnect elsewhere, then stops. */
class BrokerShutdownTest {

    @TempDir
    Path dataDir;

    @Test
    void closeDisconnectsMqtt5ClientsWithServerShuttingDownAndReleasesThePorts() throws Exception {
        HostPort mqtt = FreePorts.on("127.0.1.12");
        HostPort http = FreePorts.on("127.0.1.12");
        BrokerReplica replica = new BrokerReplica(new BrokerConfig("stopping-broker", mqtt, http, dataDir,
                BrokerConfig.PersistenceMode.file, 1000, 1_048_576, -1, Duration.ofSeconds(10),
                Duration.ofSeconds(5)));
        AtomicInteger reason = new AtomicInteger(-1);
        MqttClient client = null;
        try {
            replica.start();
            client = new MqttClient("tcp://" + mqtt, "v5-device", new MemoryPersistence());
            client.setCallback(new DisconnectRecorder(reason));
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setAutomaticReconnect(false);
            client.connect(options);
        } finally {
            replica.close();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> reason.get() >= 0);
        assertThat(reason.get()).isEqualTo(0x8B); // SERVER_SHUTTING_DOWN
        assertThat(replica.isReady()).isFalse();
        assertThat(MqttProbe.probe(mqtt, "after-stop", Duration.ofSeconds(1)).healthy()).isFalse();
        assertRefused(http);
        client.close(true);
    }

    private static void assertRefused(HostPort address) {
        try (Socket socket = new Socket(address.host(), address.port())) {
            throw new AssertionError(address + " still accepts connections");
        } catch (ConnectException expected) {
            // nobody listens any more
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private record DisconnectRecorder(AtomicInteger reason) implements MqttCallback {
        @Override
        public void disconnected(MqttDisconnectResponse response) {
            reason.set(response.getReturnCode());
        }

        @Override
        public void mqttErrorOccurred(MqttException exception) {
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
        }

        @Override
        public void connectComplete(boolean reconnect, String serverURI) {
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
        }
    }
}

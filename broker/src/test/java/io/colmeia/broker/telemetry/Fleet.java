package io.colmeia.broker.telemetry;

import io.colmeia.common.config.HostPort;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * ESP8266-like devices publishing QoS 1 readings over real MQTT connections, counting the PUBACKs they get.
 * Reading {@code seq} of device {@code d} is unique: device time {@code BASE_TIME + seq}, luminosity {@code seq}.
 * Every wait is bounded.
 */
final class Fleet implements AutoCloseable {

    static final long BASE_TIME = 1_700_000_000L;
    private static final int IN_FLIGHT = 10;

    private final List<Device> devices = new ArrayList<>();
    /** "clientId/seq" of every reading whose PUBACK arrived. */
    final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    /** "clientId/seq" of every reading handed to the client library. */
    final Set<String> sent = ConcurrentHashMap.newKeySet();
    final AtomicInteger failures = new AtomicInteger();

    static String clientId(String prefix, int device) {
        return prefix + "-" + device;
    }

    static String mac(int device) {
        return String.format(Locale.ROOT, "A0:20:A6:00:%02X:%02X", device / 256, device % 256);
    }

    static String payload(int device, int seq) {
        return "{\"Mac\":\"" + mac(device) + "\",\"Data\":\"" + (BASE_TIME + seq) + "\",\"Temperatura\":"
                + (20 + seq % 10) + ".5,\"Umidade\":" + (40 + device % 50) + ",\"Luminosidade\":" + seq + "}";
    }

    static String topic(String clientId) {
        return "colmeia/" + clientId + "/leituras";
    }

    /** Connects {@code count} devices named {@code prefix-0 ...}. */
    Fleet(HostPort broker, String prefix, int count) throws MqttException {
        for (int d = 0; d < count; d++) {
            String clientId = clientId(prefix, d);
            MqttAsyncClient client = new MqttAsyncClient("tcp://" + broker, clientId, new MemoryPersistence());
            devices.add(new Device(d, clientId, client));
            MqttConnectOptions options = new MqttConnectOptions();
            options.setCleanSession(true);
            options.setConnectionTimeout(30);
            options.setAutomaticReconnect(false);
            options.setMaxInflight(IN_FLIGHT);
            options.setKeepAliveInterval(60);
            client.connect(options).waitForCompletion(60_000);
        }
    }

    /** Device {@code d} publishes readings {@code from} (inclusive) to {@code to} (exclusive), in flight at most 10. */
    void publish(int d, int from, int to) {
        Device device = devices.get(d);
        for (int seq = from; seq < to; seq++) {
            if (!device.publish(seq)) {
                return; // connection lost: stop, like a device that will reconnect later
            }
        }
    }

    /** Every device publishes {@code perDevice} readings, each on its own thread; waits for the PUBACKs (bounded). */
    void publishAll(int perDevice, long timeoutMillis) throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        for (int d = 0; d < devices.size(); d++) {
            int device = d;
            Thread t = new Thread(() -> publish(device, 0, perDevice), "fleet-" + d);
            t.start();
            threads.add(t);
        }
        long deadline = System.currentTimeMillis() + timeoutMillis;
        for (Thread t : threads) {
            t.join(Math.max(1, deadline - System.currentTimeMillis()));
        }
        awaitInFlight(Math.max(1, deadline - System.currentTimeMillis()));
    }

    /** Waits until no reading is in flight (acknowledged or failed). */
    void awaitInFlight(long timeoutMillis) throws InterruptedException {
        for (Device device : devices) {
            if (device.window.tryAcquire(IN_FLIGHT, timeoutMillis, TimeUnit.MILLISECONDS)) {
                device.window.release(IN_FLIGHT);
            }
        }
    }

    @Override
    public void close() {
        for (Device device : devices) {
            try {
                if (device.client.isConnected()) {
                    device.client.disconnect().waitForCompletion(5_000);
                }
            } catch (MqttException e) {
                // the test's assertions matter more than a clean goodbye
            }
            try {
                device.client.close(true);
            } catch (MqttException e) {
                // same
            }
        }
    }

    private final class Device {
        final int index;
        final String clientId;
        final MqttAsyncClient client;
        final Semaphore window = new Semaphore(IN_FLIGHT);

        Device(int index, String clientId, MqttAsyncClient client) {
            this.index = index;
            this.clientId = clientId;
            this.client = client;
        }

        boolean publish(int seq) {
            String key = clientId + "/" + seq;
            try {
                if (!window.tryAcquire(60, TimeUnit.SECONDS) || !client.isConnected()) {
                    window.release();
                    return false;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            sent.add(key);
            try {
                client.publish(topic(clientId), payload(index, seq).getBytes(StandardCharsets.UTF_8), 1, false, null,
                        new IMqttActionListener() {
                            @Override
                            public void onSuccess(IMqttToken token) {
                                acknowledged.add(key);
                                window.release();
                            }

                            @Override
                            public void onFailure(IMqttToken token, Throwable e) {
                                failures.incrementAndGet();
                                window.release();
                            }
                        });
                return true;
            } catch (MqttException e) {
                failures.incrementAndGet();
                window.release();
                return false;
            }
        }
    }
}

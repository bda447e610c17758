package io.colmeia.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.colmeia.ingress.support.Clients;
import io.colmeia.ingress.support.Mosquitto;
import io.colmeia.ingress.support.Packets;
import io.colmeia.ingress.support.TestIngress;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.junit.jupiter.api.Test;

/**
 * A subscriber that stops reading while a publisher floods its topic: the ingress stops reading from the
 * broker instead of buffering the flood, so its queued bytes stay near one water mark.
 */
class IngressBackpressureTest {

    private static final int MESSAGES = 2000;
    private static final int PAYLOAD = 10 * 1024;

    @Test
    void a_slow_reader_does_not_make_the_ingress_buffer_without_bound() throws Exception {
        Mosquitto.assumeInstalled();
        try (Mosquitto broker = Mosquitto.start("127.0.77.71")) {
            IngressNode ingress = TestIngress.on("127.0.77.72", List.of(broker.address())).start();
            MqttClient publisher = null;
            try (Socket slow = new Socket()) {
                await().atMost(Duration.ofSeconds(20)).until(ingress::ready);
                slow.setReceiveBufferSize(4096);
                slow.connect(ingress.server().address().toSocketAddress(), 5000);
                slow.setSoTimeout(10_000);
                OutputStream out = slow.getOutputStream();
                DataInputStream in = new DataInputStream(slow.getInputStream());
                out.write(Packets.simpleConnect(MqttVersion.MQTT_3_1_1, "slow-reader"));
                byte[] topic = "bp/flood".getBytes(StandardCharsets.UTF_8);
                out.write(new byte[] {(byte) 0x82, (byte) (2 + 2 + topic.length + 1), 0, 1, 0, (byte) topic.length});
                out.write(topic);
                out.write(0);
                out.flush();
                byte[] connack = new byte[4];
                in.readFully(connack);
                assertThat(connack).containsExactly(0x20, 0x02, 0x00, 0x00);
                byte[] suback = new byte[5];
                in.readFully(suback);
                assertThat(suback[0]).isEqualTo((byte) 0x90);
                // from here on the subscriber reads nothing

                publisher = Clients.connect(broker.address(), "flooder");
                byte[] payload = new byte[PAYLOAD];
                double maxPending = 0;
                for (int i = 0; i < MESSAGES; i++) {
                    publisher.publish("bp/flood", payload, 0, false);
                    if (i % 20 == 0) {
                        maxPending = Math.max(maxPending, pendingWriteBytes(ingress));
                    }
                }
                long published = (long) MESSAGES * PAYLOAD;
                // let the relay settle, sampling all the while
                long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
                while (System.nanoTime() < until) {
                    maxPending = Math.max(maxPending, pendingWriteBytes(ingress));
                    Thread.sleep(20);
                }
                System.out.printf("backpressure: published %d bytes, relayed to client %.0f bytes,"
                        + " max queued in ingress %.0f bytes, pauses %.0f%n", published,
                        ingress.registry().get("colmeia_ingress_relayed_bytes_total")
                                .tag("direction", "to_client").counter().count(),
                        maxPending, ingress.metrics().backpressurePauses());
                assertThat(ingress.metrics().backpressurePauses()).as("reading from the broker was paused")
                        .isPositive();
                assertThat(maxPending).as("queued in the ingress: about one water mark, not the flood")
                        .isLessThanOrEqualTo(4 * IngressConfig.HIGH_WATER_MARK);
                assertThat(ingress.registry().get("colmeia_ingress_relayed_bytes_total")
                        .tag("direction", "to_client").counter().count())
                        .as("the ingress did not read the whole flood from the broker")
                        .isLessThan(published);
            } finally {
                Clients.closeQuietly(publisher);
                ingress.close();
            }
        }
    }

    private static double pendingWriteBytes(IngressNode ingress) {
        return ingress.registry().get("colmeia_ingress_pending_write_bytes").gauge().value();
    }
}

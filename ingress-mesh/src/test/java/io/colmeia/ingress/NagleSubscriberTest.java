package io.colmeia.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.colmeia.ingress.proxy.Transport;
import io.colmeia.ingress.support.Packets;
import io.colmeia.ingress.support.TestIngress;
import io.colmeia.ingress.support.WindowedQos1Broker;
import io.colmeia.ingress.support.WindowedQos1Broker.Mqtt;
import io.colmeia.common.config.HostPort;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, item 2: a QoS 1 subscriber that leaves Nagle on (MQTT.js, Node-RED) behind the ingress, fed by a
 * replica that sends the next window of messages only when the previous one is fully acknowledged (HiveMQ's
 * pattern). Its PUBACKs after the first of a window wait for Nagle, which waits for our ACK; with delayed ACKs
 * that is ~40 ms per window. With TCP_QUICKACK re-armed after each read the ingress ACKs at once and the Nagle-on
 * subscriber keeps up with a NODELAY one. Rates are compared within the test (ratios), never against a clock:
 * the stall is a 40 ms kernel timer per window, so it shows however loaded the machine is.
 */
class NagleSubscriberTest {

    private static final int WINDOW = 50;
    private static final Duration WARM_UP = Duration.ofMillis(300);
    private static final Duration MEASURE = Duration.ofMillis(1200);

    @Test
    void a_nagle_on_qos1_subscriber_keeps_up_with_a_nodelay_one_through_the_ingress() throws Exception {
        Assumptions.assumeTrue(Transport.best().epoll(), "TCP_QUICKACK needs Linux epoll; not available here");
        try (WindowedQos1Broker broker = new WindowedQos1Broker("127.0.77.81", WINDOW, 64)) {
            TestIngress withQuickAck = TestIngress.on("127.0.77.82", List.of(broker.address()));
            TestIngress withoutQuickAck = TestIngress.on("127.0.77.83", List.of(broker.address()));
            withoutQuickAck.tcpQuickAck = false;
            IngressNode fixed = withQuickAck.start();
            IngressNode control = withoutQuickAck.start();
            try {
                await().atMost(Duration.ofSeconds(20)).until(() -> fixed.ready() && control.ready());
                double[] fixedRates = rates(fixed.server().address(), "q");
                double[] controlRates = rates(control.server().address(), "c");
                double fixedRatio = fixedRates[1] / fixedRates[0];
                double controlRatio = controlRates[1] / controlRates[0];
                System.out.printf("nagle-on QoS 1 subscriber through the ingress, windows of %d: with TCP_QUICKACK"
                                + " %.0f msg/s vs NODELAY %.0f msg/s (ratio %.2f); without: %.0f vs %.0f (ratio %.2f)%n",
                        WINDOW, fixedRates[1], fixedRates[0], fixedRatio, controlRates[1], controlRates[0],
                        controlRatio);
                assertThat(controlRatio).as("control: without TCP_QUICKACK the Nagle-on subscriber stalls on"
                        + " delayed ACKs (else this test would not test anything)").isLessThan(0.5);
                assertThat(fixedRatio).as("with TCP_QUICKACK the Nagle-on subscriber keeps up").isGreaterThan(0.6);
            } finally {
                fixed.close();
                control.close();
            }
        }
    }

    /** {NODELAY rate, Nagle-on rate}: two interleaved runs each, summed, so machine noise hits both alike. */
    private static double[] rates(HostPort via, String prefix) throws IOException {
        long[] received = new long[2];
        for (int round = 0; round < 2; round++) {
            received[0] += receive(via, prefix + "-nodelay-" + round, true);
            received[1] += receive(via, prefix + "-nagle-" + round, false);
        }
        double seconds = 2 * MEASURE.toNanos() / 1e9;
        return new double[] {received[0] / seconds, received[1] / seconds};
    }

    /**
     * Subscribes at QoS 1 through {@code via} and acknowledges every PUBLISH with its own write (one send() per
     * PUBACK, as MQTT.js does); returns the messages received in the measuring window after a warm-up.
     */
    private static long receive(HostPort via, String clientId, boolean noDelay) throws IOException {
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(noDelay);
            socket.connect(via.toSocketAddress(), 5000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 65536));
            out.write(Packets.simpleConnect(MqttVersion.MQTT_3_1_1, clientId));
            int[] header = Mqtt.readHeader(in);
            in.skipNBytes(header[1]);
            assertThat(header[0]).as("CONNACK").isEqualTo(0x20);
            byte[] topic = "nagle/t".getBytes(StandardCharsets.UTF_8);
            out.write(new byte[] {(byte) 0x82, (byte) (2 + 2 + topic.length + 1), 0, 1, 0, (byte) topic.length});
            out.write(topic);
            out.write(1);
            long start = System.nanoTime();
            long measureFrom = start + WARM_UP.toNanos();
            long until = measureFrom + MEASURE.toNanos();
            long counted = 0;
            byte[] puback = {0x40, 0x02, 0, 0};
            while (true) {
                long now = System.nanoTime();
                if (now >= until) {
                    break;
                }
                header = Mqtt.readHeader(in);
                byte[] body = in.readNBytes(header[1]);
                if ((header[0] & 0xF0) != 0x30) {
                    continue; // SUBACK
                }
                int topicLength = ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
                puback[2] = body[2 + topicLength];
                puback[3] = body[3 + topicLength];
                out.write(puback);
                if (now >= measureFrom) {
                    counted++;
                }
            }
            out.write(new byte[] {(byte) 0xE0, 0});
            return counted;
        }
    }
}

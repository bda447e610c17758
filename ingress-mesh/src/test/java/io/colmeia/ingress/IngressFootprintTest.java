package io.colmeia.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.colmeia.common.config.HostPort;
import io.colmeia.ingress.support.Mosquitto;
import io.colmeia.ingress.support.Packets;
import io.colmeia.ingress.support.TestIngress;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Heap held by the ingress per idle relayed connection: the heap growth from 500 idle MQTT clients
 * connected through the ingress, minus the growth from the same clients connected directly (the clients'
 * own objects live in this JVM too).
 */
class IngressFootprintTest {

    private static final int CONNECTIONS = 500;

    @Test
    void an_idle_relayed_connection_costs_the_ingress_a_few_kilobytes_of_heap() throws Exception {
        Mosquitto.assumeInstalled();
        try (Mosquitto broker = Mosquitto.start("127.0.77.95")) {
            IngressNode ingress = TestIngress.on("127.0.77.96", List.of(broker.address())).start();
            try {
                await().atMost(Duration.ofSeconds(20)).until(ingress::ready);
                open(broker.address(), "warm", 50).forEach(IngressFootprintTest::closeQuietly);
                open(ingress.server().address(), "warm-i", 50).forEach(IngressFootprintTest::closeQuietly);
                await().atMost(Duration.ofSeconds(20)).until(() -> ingress.server().openConnections() == 0);

                double direct = heapPerConnection(broker.address(), "direct");
                double proxied = heapPerConnection(ingress.server().address(), "proxied");
                double ingressCost = proxied - direct;
                System.out.printf("heap per idle connection: direct client %.0f B, through ingress %.0f B;"
                        + " ingress share %.0f B (%d connections)%n", direct, proxied, ingressCost, CONNECTIONS);
                assertThat(ingressCost).as("heap bytes the ingress holds per idle relayed connection")
                        .isLessThan(16 * 1024);
            } finally {
                ingress.close();
            }
        }
    }

    private static double heapPerConnection(HostPort target, String prefix) throws Exception {
        long before = usedHeapAfterGc();
        List<SocketChannel> clients = open(target, prefix, CONNECTIONS);
        try {
            long after = usedHeapAfterGc();
            return (after - before) / (double) CONNECTIONS;
        } finally {
            clients.forEach(IngressFootprintTest::closeQuietly);
        }
    }

    private static List<SocketChannel> open(HostPort target, String prefix, int n) throws IOException {
        List<SocketChannel> clients = new ArrayList<>(n);
        try {
            for (int i = 0; i < n; i++) {
                SocketChannel channel = SocketChannel.open(target.toSocketAddress());
                clients.add(channel);
                channel.socket().setSoTimeout(10_000);
                channel.write(ByteBuffer.wrap(Packets.simpleConnect(MqttVersion.MQTT_3_1_1, prefix + "-" + i)));
                byte[] ack = channel.socket().getInputStream().readNBytes(4);
                if (ack.length != 4 || ack[0] != 0x20 || ack[3] != 0) {
                    throw new IOException("no CONNACK accepted for client " + i);
                }
            }
            return clients;
        } catch (IOException | RuntimeException e) {
            clients.forEach(IngressFootprintTest::closeQuietly);
            throw e;
        }
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}

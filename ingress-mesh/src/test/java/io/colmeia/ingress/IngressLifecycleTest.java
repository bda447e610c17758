package io.colmeia.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.colmeia.common.config.HostPort;
import io.colmeia.ingress.proxy.IdleTimeout;
import io.colmeia.ingress.proxy.Transport;
import io.colmeia.ingress.support.Clients;
import io.colmeia.ingress.support.Mosquitto;
import io.colmeia.ingress.support.Packets;
import io.colmeia.ingress.support.RawClient;
import io.colmeia.ingress.support.RawMqtt;
import io.colmeia.ingress.support.TestIngress;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Drain on shutdown, the idle timeout, the NIO fallback. */
class IngressLifecycleTest {

    private static Mosquitto broker;

    @BeforeAll
    static void startBroker() {
        Mosquitto.assumeInstalled();
        broker = Mosquitto.start("127.0.77.81");
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void drain_stops_accepting_keeps_relaying_through_the_grace_period_then_closes() throws Exception {
        TestIngress t = TestIngress.on("127.0.77.82", List.of(broker.address()));
        t.shutdownGrace = Duration.ofSeconds(3);
        t.drainSpread = Duration.ofMillis(500);
        IngressNode ingress = t.start();
        MqttClient client = null;
        CompletableFuture<Void> closing = null;
        try {
            await().atMost(Duration.ofSeconds(20)).until(ingress::ready);
            HostPort address = ingress.server().address();
            client = Clients.connect(address, "drained");
            closing = CompletableFuture.runAsync(ingress::close);
            await().atMost(Duration.ofSeconds(10)).until(() -> !ingress.ready());
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThatThrownBy(() -> new Socket(address.host(), address.port()).close())
                            .isInstanceOf(IOException.class));
            assertThat(client.isConnected()).isTrue();
            assertThat(Clients.roundTrip(client)).as("still relayed during the grace period").isTrue();
            MqttClient c = client;
            await().atMost(Duration.ofSeconds(15)).until(() -> !c.isConnected());
            closing.get(15, TimeUnit.SECONDS);
            assertThat(ingress.metrics().closes("drain")).isEqualTo(1);
        } finally {
            Clients.closeQuietly(client);
            ingress.close();
            if (closing != null) {
                closing.get(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void drain_ends_early_when_the_last_client_leaves() throws Exception {
        TestIngress t = TestIngress.on("127.0.77.83", List.of(broker.address()));
        t.shutdownGrace = Duration.ofSeconds(60);
        IngressNode ingress = t.start();
        MqttClient client = null;
        try {
            await().atMost(Duration.ofSeconds(20)).until(ingress::ready);
            client = Clients.connect(ingress.server().address(), "leaves-early");
            CompletableFuture<Void> closing = CompletableFuture.runAsync(ingress::close);
            await().atMost(Duration.ofSeconds(10)).until(() -> !ingress.ready());
            Clients.closeQuietly(client);
            closing.get(20, TimeUnit.SECONDS);
            assertThat(ingress.metrics().closes("drain")).isZero();
        } finally {
            Clients.closeQuietly(client);
            ingress.close();
        }
    }

    @Test
    void the_java_nio_fallback_transport_relays_as_well() throws Exception {
        TestIngress t = TestIngress.on("127.0.77.85", List.of(broker.address()));
        t.transport = Transport.nio();
        IngressNode ingress = t.start();
        try {
            await().atMost(Duration.ofSeconds(20)).until(ingress::ready);
            try (RawMqtt client = RawMqtt.connect(ingress.server().address(), "over-nio")) {
                client.subscribe("nio/echo");
                client.publish("nio/echo", "hello".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                assertThat(client.nextPublish()).isEqualTo("hello");
            }
        } finally {
            ingress.close();
        }
    }

    @Test
    void the_idle_limit_is_never_below_twice_the_keepalive() {
        assertThat(IdleTimeout.limit(Duration.ZERO, 0)).isZero();
        assertThat(IdleTimeout.limit(Duration.ZERO, 60)).isEqualTo(Duration.ofSeconds(120));
        assertThat(IdleTimeout.limit(Duration.ofSeconds(30), 60)).isEqualTo(Duration.ofSeconds(120));
        assertThat(IdleTimeout.limit(Duration.ofMinutes(5), 60)).isEqualTo(Duration.ofMinutes(5));
        assertThat(IdleTimeout.limit(Duration.ofSeconds(1), 0)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void a_silent_connection_without_keepalive_is_closed_at_the_idle_timeout_but_a_keepalive_one_is_not()
            throws Exception {
        TestIngress t = TestIngress.on("127.0.77.84", List.of(broker.address()));
        t.idleTimeout = Duration.ofSeconds(1);
        IngressNode ingress = t.start();
        try (RawClient noKeepAlive = new RawClient(ingress.server().address());
             RawClient withKeepAlive = new RawClient(ingress.server().address())) {
            await().atMost(Duration.ofSeconds(20)).until(ingress::ready);
            withKeepAlive.send(Packets.encode(Packets.connect(MqttVersion.MQTT_3_1_1, "idle-ka").keepAlive(30)
                    .build()));
            noKeepAlive.send(Packets.encode(Packets.connect(MqttVersion.MQTT_3_1_1, "idle-none").keepAlive(0)
                    .build()));
            byte[] connack = noKeepAlive.readUntilClosed(100);
            assertThat(connack).as("CONNACK, then closed by the idle timeout").containsExactly(0x20, 2, 0, 0);
            assertThat(ingress.metrics().closes("idle_timeout")).isEqualTo(1);
            withKeepAlive.socket().setSoTimeout(2500);
            byte[] ack = new byte[4];
            withKeepAlive.socket().getInputStream().readNBytes(ack, 0, 4);
            assertThat(ack).containsExactly(0x20, 2, 0, 0);
            assertThatThrownBy(() -> withKeepAlive.socket().getInputStream().read())
                    .as("a client with keepalive 30 s is not cut after 1 s of silence")
                    .isInstanceOf(java.net.SocketTimeoutException.class);
        } finally {
            ingress.close();
        }
    }
}

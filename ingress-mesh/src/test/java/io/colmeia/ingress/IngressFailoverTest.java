package io.colmeia.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.colmeia.common.config.HostPort;
import io.colmeia.ingress.balance.Replica;
import io.colmeia.ingress.balance.ReplicaSelector;
import io.colmeia.ingress.support.Clients;
import io.colmeia.ingress.support.Mosquitto;
import io.colmeia.ingress.support.RawMqtt;
import io.colmeia.ingress.support.TestIngress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A replica dies or freezes: its clients move to the next replica by rendezvous order; the others stay. */
class IngressFailoverTest {

    private final List<Mosquitto> brokers = new ArrayList<>();
    private final List<IngressNode> ingress = new ArrayList<>();
    private List<HostPort> replicas;

    @BeforeEach
    void startCluster() throws Exception {
        Mosquitto.assumeInstalled();
        try {
            for (int i = 1; i <= 3; i++) {
                Mosquitto m = Mosquitto.start("127.0.77.5" + i);
                brokers.add(m);
                Clients.label(m.address(), m.address().toString());
            }
            replicas = brokers.stream().map(Mosquitto::address).toList();
            for (int i = 1; i <= 2; i++) {
                TestIngress t = TestIngress.on("127.0.77.6" + i, replicas);
                t.nodeId = "ingress-" + i;
                t.probeInterval = Duration.ofMillis(500);
                t.probeTimeout = Duration.ofSeconds(1);
                t.probeFailures = 2;
                ingress.add(t.start());
            }
            for (IngressNode node : ingress) {
                await().atMost(Duration.ofSeconds(20)).until(() -> node.replicas().healthy().size() == 3);
            }
        } catch (Throwable t) {
            stopCluster();
            throw t;
        }
    }

    @AfterEach
    void stopCluster() {
        ingress.forEach(IngressNode::close);
        ingress.clear();
        brokers.forEach(Mosquitto::close);
        brokers.clear();
    }

    private HostPort via(int node) {
        return ingress.get(node).server().address();
    }

    private List<String> order(String clientId) {
        return ReplicaSelector.order(replicas.stream().map(Replica::new).toList(), clientId, "")
                .stream().map(Replica::id).toList();
    }

    private Mosquitto broker(String id) {
        return brokers.stream().filter(b -> b.address().toString().equals(id)).findFirst().orElseThrow();
    }

    /** A client id whose first choice is not {@code avoid}. */
    private String idNotOn(String avoid) {
        for (int i = 0; ; i++) {
            String id = "bystander-" + i;
            if (!order(id).get(0).equals(avoid)) {
                return id;
            }
        }
    }

    @Test
    void clients_of_a_killed_replica_reconnect_to_the_next_one_while_others_keep_their_connection()
            throws Exception {
        String victimId = "esp8266-victim";
        List<String> order = order(victimId);
        String bystanderId = idNotOn(order.get(0));
        MqttClient victim = Clients.connect(via(0), victimId);
        MqttClient bystander = Clients.connect(via(1), bystanderId);
        try {
            assertThat(Clients.whoami(victim)).isEqualTo(order.get(0));
            assertThat(Clients.whoami(bystander)).isNotEqualTo(order.get(0));

            broker(order.get(0)).kill();

            await().atMost(Duration.ofSeconds(20)).until(() -> !victim.isConnected());
            // every ingress node marks it down (passively on refused connects, actively by probe) ...
            for (IngressNode node : ingress) {
                await().atMost(Duration.ofSeconds(20)).until(() ->
                        node.replicas().healthy().stream().noneMatch(r -> r.id().equals(order.get(0))));
            }
            // ... and the client reconnects, through either node, to the same next replica
            await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() ->
                    assertThat(RawMqtt.whichReplica(via(0), victimId)).isEqualTo(order.get(1)));
            assertThat(RawMqtt.whichReplica(via(1), victimId)).isEqualTo(order.get(1));

            assertThat(bystander.isConnected()).isTrue();
            assertThat(Clients.roundTrip(bystander)).isTrue();

            // when the replica is back, its clients go back to it (sessions live there)
            broker(order.get(0)).start();
            Clients.label(broker(order.get(0)).address(), order.get(0));
            for (IngressNode node : ingress) {
                await().atMost(Duration.ofSeconds(20)).until(() -> node.replicas().healthy().size() == 3);
            }
            assertThat(RawMqtt.whichReplica(via(1), victimId)).isEqualTo(order.get(0));
        } finally {
            Clients.closeQuietly(victim);
            Clients.closeQuietly(bystander);
        }
    }

    @Test
    void a_frozen_replica_is_caught_by_the_mqtt_probe_although_it_still_accepts_tcp() throws Exception {
        String clientId = "esp8266-frozen";
        List<String> order = order(clientId);
        Mosquitto frozen = broker(order.get(0));
        frozen.signal("STOP");
        try {
            long start = System.nanoTime();
            for (IngressNode node : ingress) {
                await().atMost(Duration.ofSeconds(20)).until(() ->
                        node.replicas().healthy().stream().noneMatch(r -> r.id().equals(order.get(0))));
            }
            long detectedMs = (System.nanoTime() - start) / 1_000_000;
            System.out.printf("frozen replica detected by both ingress nodes after %d ms"
                    + " (probe interval 500 ms, timeout 1 s, 2 failures)%n", detectedMs);
            assertThat(RawMqtt.whichReplica(via(0), clientId)).isEqualTo(order.get(1));
        } finally {
            frozen.signal("CONT");
        }
        for (IngressNode node : ingress) {
            await().atMost(Duration.ofSeconds(20)).until(() -> node.replicas().healthy().size() == 3);
        }
        assertThat(RawMqtt.whichReplica(via(0), clientId)).isEqualTo(order.get(0));
    }
}

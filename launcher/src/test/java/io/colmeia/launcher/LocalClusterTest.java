package io.colmeia.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.colmeia.common.config.EnvironmentDefaults;
import io.colmeia.common.testing.FreePorts;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** colmeia up / status / down end to end: real processes on loopback, observed as a user would. */
class LocalClusterTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final List<Long> pidsToReap = new ArrayList<>();

    private record Outcome(int exitCode, String out, String err) {
    }

    private Outcome colmeia(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Colmeia.commandLine(new EnvironmentDefaults(Map.of()));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Outcome(code, out.toString(), err.toString());
    }

    @AfterEach
    void stopEverything() throws Exception {
        colmeia("down", "--dir", dir.toString(), "--timeout", "10s");
        for (long pid : pidsToReap) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void upStatusDownRunAndStopTheWholeLocalCluster() throws Exception {
        int mqttPort = freePortOnBrokerAddresses();
        int httpPort = freePortOnBrokerAddresses();
        int dnsPort = freePortOnBrokerAddresses();
        int clusterPort = freePortOnBrokerAddresses();
        int storePort = freePortOnBrokerAddresses();
        int tlsPort = freePortOnBrokerAddresses();
        String[] up = {"up", "--detach", "--dir", dir.toString(), "--broker-mqtt-port", "" + mqttPort,
                "--http-port", "" + httpPort, "--ingress-mqtt-port", "" + mqttPort, "--dns-port", "" + dnsPort,
                "--cluster-port", "" + clusterPort, "--store-port", "" + storePort, "--tls-port", "" + tlsPort,
                "--broker-persistence", "memory", "--restart", "no", // SupervisionTest covers restarts
                "--ready-timeout", "300s"}; // seven JVMs starting at once on a busy 2-core machine

        Outcome started = colmeia(up);
        JsonNode status = JSON.readTree(colmeia("status", "--json", "--dir", dir.toString()).out());
        status.get("processes").forEach(p -> pidsToReap.add(p.get("pid").asLong()));
        assertThat(started.exitCode()).as(started.out() + started.err()).isZero();
        assertThat(started.out()).contains("store-1", "broker-1", "broker-2", "broker-3", "ingress-1",
                "ingress-2", "dns-1", "logs:");

        // the status contract of ARCHITECTURE.md §4: store, brokers, ingress nodes, DNS
        assertThat(status.get("name").asText()).isEqualTo("mqtt.colmeia.internal");
        assertThat(status.get("processes")).hasSize(7);
        JsonNode store = status.get("processes").get(0);
        assertThat(store.get("role").asText()).isEqualTo("store");
        assertThat(store.get("mongodb").asText()).isEqualTo("mongodb://127.0.4.1:" + storePort + "/?replicaSet=rs0");
        JsonNode dns = status.get("processes").get(6);
        assertThat(dns.get("role").asText()).isEqualTo("dns");
        assertThat(dns.get("dns").asText()).isEqualTo("127.0.3.1:" + dnsPort);
        status.get("processes").forEach(p -> assertThat(p.get("ready").asBoolean()).as(p.toString()).isTrue());
        for (int i = 1; i <= 3; i++) {
            JsonNode p = status.get("processes").get(i);
            assertThat(p.get("role").asText()).isEqualTo("broker");
            assertThat(p.get("id").asText()).isEqualTo("broker-" + i);
            assertThat(p.get("ready").asBoolean()).isTrue();
            assertThat(p.get("mqtt").asText()).isEqualTo("127.0.1." + i + ":" + mqttPort);
            assertThat(p.get("http").asText()).isEqualTo("127.0.1." + i + ":" + httpPort);
            assertThat(ProcessHandle.of(p.get("pid").asLong())).isPresent();
        }
        for (int i = 1; i <= 2; i++) {
            JsonNode p = status.get("processes").get(3 + i);
            assertThat(p.get("role").asText()).isEqualTo("ingress");
            assertThat(p.get("id").asText()).isEqualTo("ingress-" + i);
            assertThat(p.get("ready").asBoolean()).isTrue();
            assertThat(p.get("mqtt").asText()).isEqualTo("127.0.2." + i + ":" + mqttPort);
        }
        assertThat(colmeia("status", "--dir", dir.toString()).exitCode()).isZero();

        // MQTT over TLS with the local CA up created, verified, at an ingress node and at a broker (docs/security.md)
        assertThat(started.out()).contains("ANONYMOUS ACCESS");
        for (String host : new String[] {"127.0.2.1", "127.0.1.2"}) {
            assertThat(io.colmeia.launcher.tls.LocalTlsTest.connackOverTls(dir.resolve("tls").resolve("ca.pem"),
                    host, tlsPort)).as("TLS CONNACK from " + host).containsExactly(0x20, 0x02, 0x00, 0x00);
        }

        // a device resolves the cluster name and gets the healthy ingress nodes
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(resolve(dnsPort)).containsExactlyInAnyOrder("127.0.2.1", "127.0.2.2"));

        // the replicas form one cluster: a subscriber on every replica gets a message published via ingress
        List<MqttClient> subscribers = new ArrayList<>();
        List<String> everywhere = new CopyOnWriteArrayList<>();
        MqttClient device = new MqttClient("tcp://" + resolve(dnsPort).get(0) + ":" + mqttPort, "it-device",
                new MemoryPersistence());
        try {
            for (int i = 1; i <= 3; i++) {
                MqttClient s = new MqttClient("tcp://127.0.1." + i + ":" + mqttPort, "it-sub-" + i,
                        new MemoryPersistence());
                subscribers.add(s);
                s.connect();
                String replica = "broker-" + i;
                s.subscribe("no1/mesh/#", 1, (t, m) -> everywhere.add(replica + ":"
                        + new String(m.getPayload(), StandardCharsets.UTF_8)));
            }
            device.connect();
            // routes reach peers asynchronously; publish until every replica has seen one message
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
                device.publish("no1/mesh/t", "hello".getBytes(StandardCharsets.UTF_8), 1, false);
                return everywhere.stream().map(e -> e.substring(0, e.indexOf(':'))).distinct().count() == 3;
            });
            // an acknowledged ESP8266 reading is already in the store
            device.publish("no1/sala/temperatura", ("{\"Mac\":\"A0:20:A6:15:F5:B5\",\"Data\":\"1511400053\","
                    + "\"Temperatura\":24.00,\"Umidade\":32.00,\"Luminosidade\":847}").getBytes(StandardCharsets.UTF_8),
                    1, false);
            try (com.mongodb.client.MongoClient mongo = com.mongodb.client.MongoClients.create(
                    store.get("mongodb").asText())) {
                org.bson.Document reading = mongo.getDatabase("colmeia").getCollection("telemetry")
                        .find(new org.bson.Document("meta.topic", "no1/sala/temperatura")).first();
                assertThat(reading).as("stored reading").isNotNull();
                assertThat(reading.get("temperature", Number.class).doubleValue()).isEqualTo(24.0);
                assertThat(reading.get("meta", org.bson.Document.class).getString("clientId")).isEqualTo("it-device");
            }
        } finally {
            device.disconnectForcibly(1000);
            device.close(true);
            for (MqttClient s : subscribers) {
                s.disconnectForcibly(1000);
                s.close(true);
            }
        }

        // a user publishes and subscribes on one replica
        String broker1 = "tcp://127.0.1.1:" + mqttPort;
        List<String> received = new CopyOnWriteArrayList<>();
        MqttClient sub = new MqttClient(broker1, "it-sub", new MemoryPersistence());
        MqttClient pub = new MqttClient(broker1, "it-pub", new MemoryPersistence());
        try {
            sub.connect();
            sub.subscribe("no1/#", 1, (t, m) -> received.add(t + "=" + new String(m.getPayload(),
                    StandardCharsets.UTF_8)));
            pub.connect();
            pub.publish("no1/sala/temperatura", "24".getBytes(StandardCharsets.UTF_8), 1, false);
            await().atMost(Duration.ofSeconds(10)).until(() -> !received.isEmpty());
            assertThat(received).containsExactly("no1/sala/temperatura=24");
        } finally {
            pub.disconnectForcibly(1000);
            sub.disconnectForcibly(1000);
            pub.close(true);
            sub.close(true);
        }

        // starting twice is refused and starts nothing
        Outcome again = colmeia(up);
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.err()).contains("already running");

        // a killed replica shows as not ready and status fails
        long broker2 = status.get("processes").get(2).get("pid").asLong();
        ProcessHandle.of(broker2).orElseThrow().destroyForcibly();
        await().atMost(Duration.ofSeconds(20)).until(() -> ProcessHandle.of(broker2).isEmpty());
        Outcome degraded = colmeia("status", "--json", "--dir", dir.toString());
        assertThat(degraded.exitCode()).isEqualTo(1);
        JsonNode after = JSON.readTree(degraded.out());
        assertThat(after.get("processes").get(2).get("ready").asBoolean()).isFalse();
        assertThat(after.get("processes").get(2).get("state").asText()).isEqualTo("dead");
        assertThat(after.get("processes").get(1).get("ready").asBoolean()).isTrue();

        // down stops every process and frees every port
        Outcome down = colmeia("down", "--dir", dir.toString());
        assertThat(down.exitCode()).isZero();
        for (JsonNode p : status.get("processes")) {
            assertThat(ProcessHandle.of(p.get("pid").asLong()).map(ProcessHandle::isAlive).orElse(false))
                    .as(p.get("id").asText() + " stopped").isFalse();
        }
        assertThat(listening("127.0.3.1", dnsPort)).isFalse();
        assertThat(listening("127.0.4.1", storePort)).isFalse();
        for (String host : new String[] {"127.0.1.1", "127.0.1.2", "127.0.1.3", "127.0.2.1", "127.0.2.2"}) {
            assertThat(listening(host, mqttPort)).as(host).isFalse();
            assertThat(listening(host, httpPort)).as(host).isFalse();
        }
        assertThat(dir.resolve("run").resolve("cluster.json")).doesNotExist();
        assertThat(colmeia("status", "--dir", dir.toString()).exitCode()).isEqualTo(1);
    }

    @Test
    void upRefusesAnAddressInUseAndLeavesNoProcessBehind() throws Exception {
        int mqttPort = freePortOnBrokerAddresses();
        int httpPort = freePortOnBrokerAddresses();
        try (ServerSocket squatter = new ServerSocket()) {
            squatter.bind(new InetSocketAddress("127.0.1.2", mqttPort));
            Outcome outcome = colmeia("up", "--detach", "--dir", dir.toString(), "--broker-mqtt-port",
                    "" + mqttPort, "--http-port", "" + httpPort, "--ingress", "0", "--no-dns", "--no-store",
                    "--broker-persistence", "memory");
            assertThat(outcome.exitCode()).isEqualTo(1);
            assertThat(outcome.err()).contains("broker-2 cannot listen on 127.0.1.2:" + mqttPort);
        }
        assertThat(dir.resolve("run").resolve("cluster.json")).doesNotExist();
        assertThat(listening("127.0.1.1", mqttPort)).isFalse();
        assertThat(listening("127.0.1.1", httpPort)).isFalse();
    }

    @Test
    void staleStateOfADeadClusterIsReplacedNotObeyed() throws Exception {
        Path state = dir.resolve("run").resolve("cluster.json");
        Files.createDirectories(state.getParent());
        // pid 1 exists but is not ours: its start time does not match, so down must not touch it
        Files.writeString(state, "{\"name\":\"mqtt.colmeia.internal\",\"startedAt\":\"2020-01-01T00:00:00Z\","
                + "\"launcherPid\":1,\"launcherStart\":\"2020-01-01T00:00:00Z\",\"processes\":[{\"role\":\"broker\","
                + "\"id\":\"broker-1\",\"pid\":1,\"processStart\":\"2020-01-01T00:00:00Z\","
                + "\"mqtt\":\"127.0.1.1:1\",\"http\":\"127.0.1.1:2\"}]}");
        Outcome status = colmeia("status", "--json", "--dir", dir.toString());
        assertThat(status.exitCode()).isEqualTo(1);
        assertThat(JSON.readTree(status.out()).get("processes").get(0).get("state").asText()).isEqualTo("dead");
        Outcome down = colmeia("down", "--dir", dir.toString());
        assertThat(down.exitCode()).isZero();
        assertThat(down.out()).doesNotContain("stopping broker-1");
        assertThat(ProcessHandle.of(1)).isPresent();
        assertThat(state).doesNotExist();
    }

    /** A port free on every address of the local cluster, so tests never collide with a developer's cluster. */
    private static int freePortOnBrokerAddresses() {
        return FreePorts.onAll("127.0.1.1", "127.0.1.2", "127.0.1.3", "127.0.2.1", "127.0.2.2", "127.0.3.1",
                "127.0.4.1");
    }

    /** The A records a device gets for the cluster name from colmeia's DNS server, in answer order. */
    private static List<String> resolve(int dnsPort) throws Exception {
        org.xbill.DNS.SimpleResolver resolver = new org.xbill.DNS.SimpleResolver("127.0.3.1");
        resolver.setPort(dnsPort);
        resolver.setTimeout(Duration.ofSeconds(2));
        org.xbill.DNS.Message answer = resolver.send(org.xbill.DNS.Message.newQuery(org.xbill.DNS.Record.newRecord(
                org.xbill.DNS.Name.fromString("mqtt.colmeia.internal."), org.xbill.DNS.Type.A,
                org.xbill.DNS.DClass.IN)));
        List<String> addresses = new ArrayList<>();
        for (org.xbill.DNS.Record r : answer.getSection(org.xbill.DNS.Section.ANSWER)) {
            if (r instanceof org.xbill.DNS.ARecord a) {
                addresses.add(a.getAddress().getHostAddress());
            }
        }
        return addresses;
    }

    private static boolean listening(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}

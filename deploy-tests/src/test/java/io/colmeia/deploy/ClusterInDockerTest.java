package io.colmeia.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.model.Filters;
import io.colmeia.broker.security.PasswordHash;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.startupcheck.OneShotStartupCheckStrategy;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.MountableFile;

/**
 * The real thing, where Docker runs: the image built from deploy/Dockerfile, 3 broker containers, 1 ingress,
 * the DNS server and a 3-member mongo:8.0 replica set (initiated by deploy/mongo/mongo-init.js) on one Docker
 * network, configured with the Swarm stack's own environment (Swarm templates and tasks.* names replaced by
 * what a plain Docker network offers). A device publishes through the ingress; subscribers on every replica
 * receive it, and the telemetry documents are in MongoDB. Skipped (reported as skipped) without Docker.
 */
@Testcontainers(disabledWithoutDocker = true)
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class ClusterInDockerTest {

    private static final String MONGO_IMAGE = "mongo:8.0";
    private static final String TOPIC = "no1/sala/temperatura";
    private static final String PUBLISHER = "esp-docker-1";
    /** The device user: devices publish under their own name, the second level of {@link #TOPIC}. */
    private static final String DEVICE_USER = "sala";
    private static final String SUBSCRIBER_USER = "observer";
    private static final String PASSWORD = "docker-test-password";
    private static final int BROKERS = 3;

    private static final List<GenericContainer<?>> STARTED = new ArrayList<>();
    private static Network network;
    private static final List<GenericContainer<?>> brokers = new ArrayList<>();
    private static GenericContainer<?> ingress;
    private static GenericContainer<?> dns;
    private static GenericContainer<?> mongo1;
    private static Map<String, String> brokerEnvironment;

    @BeforeAll
    static void startCluster() throws Exception {
        network = Network.newNetwork();
        ImageFromDockerfile image = new ImageFromDockerfile("colmeia/colmeia-deploy-test", true)
                .withFileFromPath(".", Repo.root())
                .withDockerfile(Repo.file("deploy/Dockerfile"));

        List<GenericContainer<?>> members = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            GenericContainer<?> member = new GenericContainer<>(MONGO_IMAGE)
                    .withNetwork(network)
                    .withNetworkAliases("mongo" + i)
                    .withCommand("mongod", "--replSet", "rs0", "--bind_ip_all")
                    .withExposedPorts(27017)
                    .waitingFor(Wait.forLogMessage(".*Waiting for connections.*", 1)
                            .withStartupTimeout(Duration.ofMinutes(3)));
            start(member);
            members.add(member);
        }
        mongo1 = members.get(0);
        // the stack's one-shot init, as the stack runs it
        GenericContainer<?> init = new GenericContainer<>(MONGO_IMAGE)
                .withNetwork(network)
                .withCopyFileToContainer(MountableFile.forHostPath(Repo.file("deploy/mongo/mongo-init.js")),
                        "/etc/colmeia/mongo-init.js")
                .withCommand("mongosh", "--nodb", "--quiet", "--file", "/etc/colmeia/mongo-init.js")
                .withStartupCheckStrategy(new OneShotStartupCheckStrategy().withTimeout(Duration.ofMinutes(3)));
        start(init);

        brokerEnvironment = environmentOf("broker");
        // the stack's brokers refuse anonymous clients and read users from the colmeia_users secret: give
        // them a users file at the same path, with a device (the topic's "sala") and a subscriber
        MountableFile users = MountableFile.forHostPath(usersFile(), 0444);
        String usersPath = brokerEnvironment.get("COLMEIA_USERS_FILE");
        for (int slot = 1; slot <= BROKERS; slot++) {
            GenericContainer<?> broker = new GenericContainer<>(image)
                    .withNetwork(network)
                    .withNetworkAliases("broker", "broker-" + slot) // "broker" answers every replica, like tasks.broker
                    .withEnv(forSlot(brokerEnvironment, slot))
                    .withCopyFileToContainer(users, usersPath)
                    .withCommand("broker")
                    .withExposedPorts(1883, 9100)
                    .waitingFor(Wait.forHttp("/ready").forPort(9100).forStatusCode(200)
                            .withStartupTimeout(Duration.ofMinutes(5)));
            brokers.add(broker);
        }
        for (GenericContainer<?> broker : brokers) {
            start(broker); // the first start builds the image (a Maven build inside Docker: minutes)
        }
        ingress = new GenericContainer<>(image)
                .withNetwork(network)
                .withNetworkAliases("ingress")
                .withEnv(forSlot(environmentOf("ingress"), 1))
                .withCommand("ingress")
                .withExposedPorts(1883, 9100)
                .waitingFor(Wait.forHttp("/ready").forPort(9100).forStatusCode(200)
                        .withStartupTimeout(Duration.ofMinutes(3)));
        start(ingress);
        Map<String, String> dnsEnvironment = forSlot(environmentOf("dns"), 1);
        int dnsPort = ColmeiaSpec.port("dns", dnsEnvironment, "--listen");
        dns = new GenericContainer<>(image)
                .withNetwork(network)
                .withEnv(dnsEnvironment)
                .withCommand("dns")
                .withExposedPorts(dnsPort, 9100)
                .waitingFor(Wait.forHttp("/ready").forPort(9100).forStatusCode(200)
                        .withStartupTimeout(Duration.ofMinutes(3)));
        start(dns);
    }

    @AfterAll
    static void stopCluster() {
        for (int i = STARTED.size() - 1; i >= 0; i--) {
            try {
                STARTED.get(i).stop();
            } catch (RuntimeException e) {
                System.err.println("stopping " + STARTED.get(i).getContainerName() + ": " + e);
            }
        }
        if (network != null) {
            network.close();
        }
    }

    @Test
    void dnsServerAnswersTheIngressNode() throws Exception {
        Map<String, String> env = forSlot(environmentOf("dns"), 1);
        String zone = ColmeiaSpec.effective("dns", env, "--zone");
        String name = ColmeiaSpec.effective("dns", env, "--name");
        String query = name.endsWith(".") ? name : name + "." + (zone.endsWith(".") ? zone : zone + ".");
        String ingressIp = ingress.getContainerInfo().getNetworkSettings().getNetworks().values().stream()
                .filter(n -> network.getId().equals(n.getNetworkID()))
                .map(n -> n.getIpAddress()).findFirst().orElseThrow();
        int port = dns.getMappedPort(ColmeiaSpec.port("dns", env, "--listen"));
        // the DNS server probes the ingress (MQTT CONNECT through it) before it answers it
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(queryA(dns.getHost(), port, query)).containsExactly(ingressIp));
    }

    @Test
    void publishThroughTheIngressReachesSubscribersOnEveryReplicaAndIsStored() throws Exception {
        List<MqttClient> clients = new ArrayList<>();
        Map<String, List<String>> received = new LinkedHashMap<>();
        try {
            for (int i = 0; i < brokers.size(); i++) {
                GenericContainer<?> broker = brokers.get(i);
                MqttClient subscriber = connect("tcp://" + broker.getHost() + ":" + broker.getMappedPort(1883),
                        "subscriber-" + (i + 1), SUBSCRIBER_USER);
                clients.add(subscriber);
                List<String> inbox = new CopyOnWriteArrayList<>();
                received.put("broker-" + (i + 1), inbox);
                subscriber.subscribe("no1/#", 1, (topic, message) ->
                        inbox.add(new String(message.getPayload(), StandardCharsets.UTF_8)));
            }
            MqttClient device = connect("tcp://" + ingress.getHost() + ":" + ingress.getMappedPort(1883), PUBLISHER,
                    DEVICE_USER);
            clients.add(device);

            // subscriptions reach the other replicas' route tables within moments; publish until all have one
            List<String> published = new ArrayList<>();
            long deviceTime = Instant.now().getEpochSecond();
            Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
            while (received.values().stream().anyMatch(List::isEmpty) && Instant.now().isBefore(deadline)) {
                String payload = "{\"Mac\":\"A0:20:A6:15:F5:B5\",\"Data\":\"" + (deviceTime + published.size())
                        + "\",\"Temperatura\":24.00,\"Umidade\":32.00,\"Luminosidade\":847}";
                MqttMessage message = new MqttMessage(payload.getBytes(StandardCharsets.UTF_8));
                message.setQos(1);
                device.publish(TOPIC, message); // returns once PUBACK arrived
                published.add(payload);
                Thread.sleep(1000);
            }
            received.forEach((broker, inbox) -> assertThat(inbox)
                    .as("messages published through the ingress, received by a subscriber on %s", broker)
                    .isNotEmpty()
                    .allMatch(published::contains)
                    .doesNotHaveDuplicates());

            if (!ColmeiaSpec.variables("broker").containsKey("COLMEIA_MONGODB_URI")) {
                // `colmeia broker` has no --mongodb-uri (telemetry persistence not wired into the broker yet):
                // only the delivery above can be checked.
                return;
            }
            String database = ColmeiaSpec.effective("broker", brokerEnvironment, "--mongodb-database");
            String uri = "mongodb://" + mongo1.getHost() + ":" + mongo1.getMappedPort(27017)
                    + "/?directConnection=true&readPreference=primaryPreferred";
            try (MongoClient mongo = MongoClients.create(uri)) {
                var telemetry = mongo.getDatabase(database).getCollection("telemetry");
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                        assertThat(telemetry.countDocuments(Filters.eq("meta.clientId", PUBLISHER)))
                                .as("acknowledged publishes stored once each").isEqualTo(published.size()));
                Document one = telemetry.find(Filters.eq("meta.clientId", PUBLISHER)).first();
                assertThat(one).isNotNull();
                assertThat(one.get("meta", Document.class).getString("topic")).isEqualTo(TOPIC);
                assertThat(((Number) one.get("temperature")).doubleValue()).isEqualTo(24.0);
            }
        } finally {
            for (MqttClient client : clients) {
                try {
                    if (client.isConnected()) {
                        client.disconnect(2000);
                    }
                    client.close();
                } catch (Exception e) {
                    System.err.println("closing MQTT client " + client.getClientId() + ": " + e);
                }
            }
        }
    }

    // ---- helpers ----

    private static void start(GenericContainer<?> container) {
        STARTED.add(container);
        container.start();
    }

    /** The environment the Swarm stack gives the service running this role. */
    private static Map<String, String> environmentOf(String role) {
        return DeploymentFiles.swarmWorkloads().stream()
                .filter(w -> role.equals(w.subcommand()))
                .findFirst()
                .map(Workload::environment)
                .orElseThrow(() -> new AssertionError("no swarm service runs colmeia " + role));
    }

    /** Swarm's templates and tasks.* names, replaced by what a plain Docker network offers. */
    private static Map<String, String> forSlot(Map<String, String> environment, int slot) {
        Map<String, String> env = new LinkedHashMap<>();
        environment.forEach((k, v) -> env.put(k, v
                .replace("{{.Task.Slot}}", Integer.toString(slot))
                .replace("{{.Node.Hostname}}", "docker-test")
                .replaceAll("^tasks\\.", "")));
        env.put("JAVA_OPTS", "-Xmx384m -XX:+ExitOnOutOfMemoryError");
        return env;
    }

    /** A users file with the device and the subscriber of this test, both with {@link #PASSWORD}. */
    private static Path usersFile() throws IOException {
        Path file = Files.createTempFile("colmeia-users", ".json");
        file.toFile().deleteOnExit();
        String hash = PasswordHash.create(PASSWORD.toCharArray(), PasswordHash.MIN_ITERATIONS).encode();
        Map<String, Object> users = Map.of("users", List.of(
                Map.of("username", DEVICE_USER, "role", "device", "password", hash),
                Map.of("username", SUBSCRIBER_USER, "role", "subscriber", "password", hash)));
        Files.writeString(file, Repo.JSON.writeValueAsString(users));
        return file;
    }

    private static MqttClient connect(String uri, String clientId, String username) throws Exception {
        MqttClient client = new MqttClient(uri, clientId, new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setUserName(username);
        options.setPassword(PASSWORD.toCharArray());
        options.setCleanSession(true);
        options.setConnectionTimeout(10);
        options.setKeepAliveInterval(30);
        options.setAutomaticReconnect(false);
        client.setTimeToWait(15_000);
        client.connect(options);
        return client;
    }

    /** A minimal DNS query over TCP (RFC 1035 4.2.2): the A records of name, or an error on a bad answer. */
    static List<String> queryA(String host, int port, String name) throws IOException {
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(packet);
        out.writeShort(0x4321); // id
        out.writeShort(0x0100); // standard query, recursion desired
        out.writeShort(1);
        out.writeShort(0);
        out.writeShort(0);
        out.writeShort(0);
        for (String label : name.split("\\.")) {
            if (!label.isEmpty()) {
                byte[] bytes = label.getBytes(StandardCharsets.US_ASCII);
                out.writeByte(bytes.length);
                out.write(bytes);
            }
        }
        out.writeByte(0);
        out.writeShort(1); // A
        out.writeShort(1); // IN
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 5000);
            socket.setSoTimeout(5000);
            DataOutputStream tcp = new DataOutputStream(socket.getOutputStream());
            tcp.writeShort(packet.size());
            tcp.write(packet.toByteArray());
            tcp.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] response = new byte[in.readUnsignedShort()];
            in.readFully(response);
            return parseA(response);
        }
    }

    private static List<String> parseA(byte[] r) {
        int rcode = r[3] & 0x0F;
        if (rcode != 0) {
            throw new AssertionError("DNS answer with rcode " + rcode);
        }
        int questions = ((r[4] & 0xFF) << 8) | (r[5] & 0xFF);
        int answers = ((r[6] & 0xFF) << 8) | (r[7] & 0xFF);
        int at = 12;
        for (int q = 0; q < questions; q++) {
            at = skipName(r, at) + 4;
        }
        List<String> addresses = new ArrayList<>();
        for (int a = 0; a < answers; a++) {
            at = skipName(r, at);
            int type = ((r[at] & 0xFF) << 8) | (r[at + 1] & 0xFF);
            int length = ((r[at + 8] & 0xFF) << 8) | (r[at + 9] & 0xFF);
            at += 10;
            if (type == 1 && length == 4) {
                addresses.add((r[at] & 0xFF) + "." + (r[at + 1] & 0xFF) + "." + (r[at + 2] & 0xFF) + "." + (r[at + 3] & 0xFF));
            }
            at += length;
        }
        return addresses;
    }

    private static int skipName(byte[] r, int at) {
        while (true) {
            int len = r[at] & 0xFF;
            if (len == 0) {
                return at + 1;
            }
            if ((len & 0xC0) == 0xC0) {
                return at + 2;
            }
            at += len + 1;
        }
    }
}

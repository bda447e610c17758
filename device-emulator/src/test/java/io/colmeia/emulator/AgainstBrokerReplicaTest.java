package io.colmeia.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.colmeia.broker.BrokerConfig;
import io.colmeia.broker.BrokerReplica;
import io.colmeia.common.config.HostPort;
import io.colmeia.common.metrics.Metrics;
import io.colmeia.emulator.bench.BenchCommand;
import io.colmeia.emulator.resolve.FixedResolver;
import io.colmeia.emulator.testing.Clients;
import io.colmeia.emulator.testing.FreePorts;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The emulator against a real colmeia broker replica (embedded HiveMQ CE, in-memory), shared by the class. */
class AgainstBrokerReplicaTest {

    private static final List<String> SEED_KEYS =
            List.of("Mac", "Data", "Temperatura", "Umidade", "Luminosidade", "seq", "sentAtUs");

    @TempDir
    static Path dir;
    static BrokerReplica broker;
    static HostPort mqtt;

    @BeforeAll
    static void startBroker() {
        mqtt = new HostPort("127.0.0.1", FreePorts.tcp());
        BrokerConfig config = new BrokerConfig("emulator-test", mqtt, new HostPort("127.0.0.1", FreePorts.tcp()),
                dir.resolve("broker"), BrokerConfig.PersistenceMode.memory, 100_000, 1 << 20, -1,
                Duration.ofSeconds(10), Duration.ofSeconds(1));
        broker = new BrokerReplica(config);
        try {
            broker.start();
        } catch (RuntimeException e) {
            broker.close();
            throw e;
        }
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    private static EmulationConfig config(String node, int devices, int offset, Duration interval, long count,
                                          int subscribers, String filter) {
        return new EmulationConfig(node,
                new io.colmeia.emulator.device.FleetSettings(devices, offset, "A0:20:A6", "no{n}/{room}/temperatura",
                        1, interval, count, 1000, 3),
                Clients.client(false, 10), subscribers, filter, 1, 2, Duration.ofSeconds(1), Duration.ZERO);
    }

    @Test
    void devicesConnectAndPublishTheSeedFormatWithARetainedOnlineStatus() throws Exception {
        List<String[]> seen = new CopyOnWriteArrayList<>();
        MqttClient paho = new MqttClient("tcp://" + mqtt, "paho-check", new MemoryPersistence());
        Emulation emulation = null;
        try {
            MqttConnectOptions options = new MqttConnectOptions();
            options.setCleanSession(true);
            paho.connect(options);
            paho.subscribe("+/+/temperatura", 1, (topic, msg) -> seen.add(
                    new String[] {topic, new String(msg.getPayload(), StandardCharsets.UTF_8)}));
            emulation = new Emulation(config("seed", 20, 100, Duration.ofMillis(50), 3, 0, "#"),
                    new FixedResolver(mqtt), new PrintStream(new ByteArrayOutputStream()));
            emulation.start(Duration.ofSeconds(5));
            Emulation e = emulation;
            await().atMost(Duration.ofSeconds(20)).until(() -> e.finished() && seen.size() >= 60);
            assertThat(e.deviceStats().connected.get()).isEqualTo(20);

            ObjectMapper json = new ObjectMapper();
            Set<String> macs = ConcurrentHashMap.newKeySet();
            for (String[] m : seen) {
                assertThat(m[0]).matches("no1(0[1-9]|1[0-9]|20)/(sala|quarto|cozinha|escritorio|garagem)/temperatura");
                assertThat(m[1]).matches("\\{\"Mac\":\"A0:20:A6:[0-9A-F]{2}:[0-9A-F]{2}:[0-9A-F]{2}\",\"Data\":\"\\d{10}\","
                        + "\"Temperatura\":-?\\d+\\.\\d{2},\"Umidade\":\\d+\\.\\d{2},\"Luminosidade\":\\d+,"
                        + "\"seq\":[1-3],\"sentAtUs\":\\d{16}}");
                JsonNode node = json.readTree(m[1]);
                List<String> keys = new ArrayList<>();
                node.fieldNames().forEachRemaining(keys::add);
                assertThat(keys).isEqualTo(SEED_KEYS);
                macs.add(node.get("Mac").asText());
            }
            assertThat(seen).hasSize(60);
            assertThat(macs).hasSize(20);

            // a late subscriber sees every device's retained "online"
            // (devices of the other tests in this class leave their own retained status: keep to ours, 101..120)
            List<String> statuses = new CopyOnWriteArrayList<>();
            paho.subscribe("+/+/status", 1, (topic, msg) -> {
                if (topic.matches("no1(0[1-9]|1[0-9]|20)/[a-z]+/status")) {
                    statuses.add(new String(msg.getPayload(), StandardCharsets.UTF_8));
                }
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> statuses.size() >= 20);
            assertThat(statuses).hasSize(20).containsOnly("online");
        } finally {
            if (emulation != null) {
                emulation.close();
            }
            if (paho.isConnected()) {
                paho.disconnect();
            }
            paho.close();
        }
    }

    @Test
    void subscribersCountEveryQos1MessageOnceWithNoLossAndMetricsShowIt() throws Exception {
        PrometheusMeterRegistry registry = Metrics.create("emulator", "metrics-test");
        Emulation emulation = new Emulation(config("metrics-test", 10, 200, Duration.ofMillis(10), 100, 2,
                "+/+/temperatura"), new FixedResolver(mqtt), new PrintStream(new ByteArrayOutputStream()));
        try {
            EmulatorMetrics.bind(registry, emulation);
            emulation.start(Duration.ofSeconds(10));
            await().atMost(Duration.ofSeconds(30)).until(emulation::finished);
            emulation.drain(Duration.ofSeconds(15));

            assertThat(emulation.subscribers().expected(emulation.fleet().devices())).isEqualTo(2000);
            assertThat(emulation.subscribers().unique()).isEqualTo(2000);
            assertThat(emulation.subscribers().duplicates()).isZero();
            assertThat(emulation.subscribers().outOfOrder()).isZero();
            assertThat(emulation.subscribers().missing(emulation.fleet().devices())).isZero();
            assertThat(emulation.deviceStats().acknowledged.sum()).isEqualTo(1000);

            String scrape = registry.scrape();
            assertThat(scrape).contains("colmeia_emulator_messages_published_total{node=\"metrics-test\"} 1000.0");
            assertThat(scrape).contains("colmeia_emulator_messages_acknowledged_total{node=\"metrics-test\"} 1000.0");
            assertThat(scrape).contains("colmeia_emulator_devices_connected{node=\"metrics-test\"} 10.0");
            assertThat(scrape).contains("colmeia_emulator_subscriber_messages_received_total{node=\"metrics-test\"}"
                    + " 2000.0");
            assertThat(scrape).contains("colmeia_emulator_errors_total{kind=\"connect\",node=\"metrics-test\"} 0.0");
        } finally {
            emulation.close();
            registry.close();
        }
    }

    @Test
    void emulateCommandRunsABoundedFleetAndExits() {
        int exit = new CommandLine(new EmulateCommand()).execute("--broker", mqtt.toString(), "--devices", "5",
                "--device-offset", "300", "--interval", "100ms", "--count", "3", "--subscribers", "1",
                "--progress", "1s", "--http", "127.0.0.1:" + FreePorts.tcp());
        assertThat(exit).isZero();
    }

    @Test
    void devicesBeyondOneProcessAreSpreadOverChildEmulators() throws Exception {
        Set<String> macs = ConcurrentHashMap.newKeySet();
        List<String> messages = new CopyOnWriteArrayList<>();
        MqttClient paho = new MqttClient("tcp://" + mqtt, "paho-spread", new MemoryPersistence());
        try {
            MqttConnectOptions options = new MqttConnectOptions();
            options.setCleanSession(true);
            paho.connect(options);
            paho.subscribe("+/+/temperatura", 1, (topic, msg) -> {
                if (topic.matches("no40[1-6]/[a-z]+/temperatura")) {
                    String text = new String(msg.getPayload(), StandardCharsets.UTF_8);
                    messages.add(text);
                    macs.add(new ObjectMapper().readTree(text).get("Mac").asText());
                }
            });
            int exit = new CommandLine(new EmulateCommand()).execute("--broker", mqtt.toString(), "--devices", "6",
                    "--devices-per-process", "3", "--device-offset", "400", "--interval", "100ms", "--count", "2",
                    "--progress", "1s", "--log-level", "WARN");
            assertThat(exit).isZero();
            await().atMost(Duration.ofSeconds(10)).until(() -> messages.size() >= 12);
            assertThat(messages).hasSize(12);
            assertThat(macs).containsExactlyInAnyOrder("A0:20:A6:00:01:91", "A0:20:A6:00:01:92",
                    "A0:20:A6:00:01:93", "A0:20:A6:00:01:94", "A0:20:A6:00:01:95", "A0:20:A6:00:01:96");
        } finally {
            if (paho.isConnected()) {
                paho.disconnect();
            }
            paho.close();
        }
    }

    @Test
    void benchAlternatesTargetsAndWritesAJsonReportWithTheNamedFields() throws Exception {
        Path report = dir.resolve("results/report.json");
        int exit = new CommandLine(new BenchCommand()).execute("throughput",
                "--target", "a=" + mqtt + ",b=" + mqtt, "--rounds", "1", "--warmup", "1s", "--duration", "5s",
                "--max-messages", "400", "--publishers", "2", "--report", report.toString());
        assertThat(exit).isZero();

        JsonNode root = new ObjectMapper().readTree(report.toFile());
        assertThat(root.get("scenario").asText()).isEqualTo("throughput");
        assertThat(root.get("machine").get("cores").asInt()).isPositive();
        assertThat(root.get("warmups")).hasSize(2);
        JsonNode runs = root.get("runs");
        assertThat(runs).hasSize(2);
        assertThat(runs.get(0).get("target").asText()).isEqualTo("a");
        assertThat(runs.get(1).get("target").asText()).isEqualTo("b");
        for (JsonNode run : runs) {
            assertThat(run.get("sent").asLong()).isEqualTo(400);
            assertThat(run.get("acked").asLong()).isEqualTo(400);
            assertThat(run.get("received").asLong()).isEqualTo(400);
            assertThat(run.get("lost").asLong()).isZero();
            assertThat(run.get("duplicates").asLong()).isZero();
            assertThat(run.get("deliveredPerSecond").asDouble()).isPositive();
            assertThat(run.get("emulatorCpuCores").asDouble()).isGreaterThanOrEqualTo(0);
            for (String latency : List.of("ackLatency", "endToEndLatency")) {
                JsonNode l = run.get(latency);
                assertThat(l.get("count").asLong()).isEqualTo(400);
                assertThat(l.get("p50Ms").asDouble()).isPositive();
                assertThat(l.get("p99Ms").asDouble()).isGreaterThanOrEqualTo(l.get("p95Ms").asDouble());
                assertThat(l.get("maxMs").asDouble()).isGreaterThanOrEqualTo(l.get("p99Ms").asDouble());
            }
        }
        JsonNode ratio = root.get("ratios").get(0);
        assertThat(ratio.get("a").asText()).isEqualTo("a");
        assertThat(ratio.get("b").asText()).isEqualTo("b");
        assertThat(ratio.get("metric").asText()).isEqualTo("deliveredPerSecond");
        assertThat(ratio.get("perRound")).hasSize(1);
        assertThat(ratio.get("median").asDouble()).isPositive();
        assertThat(Files.readString(report)).doesNotContain("NaN");
    }
}

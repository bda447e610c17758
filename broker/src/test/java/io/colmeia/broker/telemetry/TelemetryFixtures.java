package io.colmeia.broker.telemetry;

import io.colmeia.common.testing.FreePorts;
import io.colmeia.broker.BrokerConfig;
import io.colmeia.broker.cluster.ClusterConfig;
import io.colmeia.common.config.HostPort;
import io.colmeia.persistence.PersistenceConfig;
import io.colmeia.persistence.store.EmbeddedStore;
import io.colmeia.persistence.store.StoreConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** What the telemetry tests share: loopback addresses, an in-process store, replica and sink configurations. */
final class TelemetryFixtures {

    static final String SEED = "{\"Mac\":\"A0:20:A6:15:F5:B5\",\"Data\":\"1511400053\",\"Temperatura\":24.00,"
            + "\"Umidade\":32.00,\"Luminosidade\":847}";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private TelemetryFixtures() {
    }


    /** The embedded store on {@code address}, its data in {@code dir} (same both: the same store again). */
    static EmbeddedStore store(HostPort address, Path dir) {
        return EmbeddedStore.start(new StoreConfig("store-test", address, null, "rs0", dir, null, false),
                new SimpleMeterRegistry());
    }

    /** The sink's defaults, but quick to give up on an unreachable store (the spool takes over). */
    static PersistenceConfig sink(String mongodbUri, Path spool) {
        return new PersistenceConfig(new com.mongodb.ConnectionString(mongodbUri), "colmeia", spool, 1L << 30, 100,
                Duration.ofMillis(10), 10_000, Duration.ZERO, Duration.ofMillis(700), 1, 64 * 1024, 32,
                Duration.ofSeconds(1), false, Duration.ofSeconds(5));
    }

    static BrokerConfig replica(String nodeId, String host, Path dataDir, TelemetryConfig telemetry) {
        HostPort mqtt = FreePorts.on(host);
        HostPort http = FreePorts.on(host);
        return new BrokerConfig(nodeId, mqtt, http, dataDir, BrokerConfig.PersistenceMode.memory, 1000, 1_048_576,
                -1, Duration.ofSeconds(10), Duration.ofSeconds(1), ClusterConfig.standalone(), telemetry);
    }

    static TelemetryConfig on(PersistenceConfig sink) {
        return new TelemetryConfig(true, List.of("#"), TelemetryConfig.AckMode.persisted, Duration.ofSeconds(30),
                sink);
    }

    static String metrics(HostPort http) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + http + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The value of the first metrics line starting with {@code prefix}, or 0 when there is none. */
    static double metric(String metrics, String prefix) {
        return metrics.lines().filter(l -> l.startsWith(prefix))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(0);
    }
}

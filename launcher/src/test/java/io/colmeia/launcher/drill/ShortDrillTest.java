package io.colmeia.launcher.drill;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.colmeia.common.config.EnvironmentDefaults;
import io.colmeia.common.testing.FreePorts;
import io.colmeia.launcher.Colmeia;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The short fault drill of issue 10, in the build: a fleet publishes QoS 1 through DNS + ingress while a
 * broker replica, an ingress node, the DNS server and the store are SIGKILLed and a cluster link is cut. Any
 * acknowledged reading missing from the database, or stored twice, fails the build.
 */
class ShortDrillTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @AfterEach
    void nothingLeftRunning() {
        // the drill stops its cluster itself; this only matters if the test JVM is interrupted mid-drill
        CommandLine cli = Colmeia.commandLine(new EnvironmentDefaults(Map.of()));
        cli.setOut(new PrintWriter(new StringWriter()));
        cli.execute("down", "--dir", dir.toString(), "--timeout", "10s");
    }

    @Test
    void noAcknowledgedReadingIsLostOrStoredTwiceWhileEveryKindOfProcessDies() throws Exception {
        String[] hosts = {"127.0.1.1", "127.0.1.2", "127.0.1.3", "127.0.2.1", "127.0.2.2", "127.0.3.1", "127.0.4.1",
                "127.0.5.1"};
        Path report = dir.resolve("report.json");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Colmeia.commandLine(new EnvironmentDefaults(Map.of()));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute("drill", "--dir", dir.toString(), "--report", report.toString(),
                "--duration", "40s", "--devices", "100", "--pause", "2s", "--cut", "4s", "--settle", "3s",
                "--max-wait", "60s", "--drain", "90s", "--ready-timeout", "300s", "--heap", "256m",
                "--mqtt-port", "" + FreePorts.onAll(hosts), "--http-port", "" + FreePorts.onAll(hosts),
                "--cluster-port", "" + FreePorts.onAll(hosts), "--dns-port", "" + FreePorts.onAll(hosts),
                "--store-port", "" + FreePorts.onAll(hosts));
        String transcript = out + "\n" + err;

        assertThat(code).as(transcript).isZero();
        JsonNode verdict = JSON.readTree(report.toFile()).get("verdict");
        assertThat(verdict.get("passed").asBoolean()).as(transcript).isTrue();
        assertThat(verdict.get("acknowledged").asLong()).as(transcript).isPositive();
        assertThat(verdict.get("lost").asLong()).as(transcript).isZero();
        assertThat(verdict.get("storedTwice").asLong()).as(transcript).isZero();
        for (String kind : new String[] {"broker", "ingress", "dns", "store", "link"}) {
            assertThat(verdict.get("faultsByKind").path(kind).asInt()).as(kind + " faults\n" + transcript)
                    .isPositive();
        }
        assertThat(transcript).contains("fault drill verdict: PASSED", "device reconnect time", "timeline");
    }
}

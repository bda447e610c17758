package io.colmeia.common.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.colmeia.common.config.HostPort;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The probe against tiny fake servers on loopback that answer well, badly, or not at all. */
class MqttProbeTest {

    private final ExecutorService executor = Executors.newCachedThreadPool();
    private ServerSocket server;

    @AfterEach
    void close() throws Exception {
        if (server != null) {
            server.close();
        }
        executor.shutdownNow();
    }

    private HostPort serve(byte[] answer, boolean answerAtAll) throws Exception {
        server = new ServerSocket();
        server.bind(new InetSocketAddress("127.0.0.22", 0));
        executor.submit(() -> {
            try (Socket s = server.accept()) {
                InputStream in = s.getInputStream();
                in.read(new byte[256]);
                if (answerAtAll) {
                    OutputStream out = s.getOutputStream();
                    out.write(answer);
                    out.flush();
                }
                in.read(new byte[16]);
            }
            return null;
        });
        return new HostPort("127.0.0.22", server.getLocalPort());
    }

    @Test
    void anAcceptingConnackIsHealthy() throws Exception {
        HostPort at = serve(new byte[] {0x20, 0x02, 0x00, 0x00}, true);
        assertThat(MqttProbe.probe(at, "probe", Duration.ofSeconds(5)).healthy()).isTrue();
    }

    @Test
    void aRefusingConnackIsUnhealthyWithTheCode() throws Exception {
        HostPort at = serve(new byte[] {0x20, 0x02, 0x00, 0x03}, true);
        MqttProbe.Result result = MqttProbe.probe(at, "probe", Duration.ofSeconds(5));
        assertThat(result.healthy()).isFalse();
        assertThat(result.detail()).contains("return code 3");
    }

    @Test
    void aBrokerThatRequiresCredentialsServes() throws Exception {
        HostPort at = serve(new byte[] {0x20, 0x02, 0x00, 0x05}, true);
        MqttProbe.Result result = MqttProbe.probe(at, "probe", Duration.ofSeconds(5));
        assertThat(result.healthy()).isTrue();
        assertThat(result.detail()).contains("credentials required");
    }

    @Test
    void somethingThatIsNotMqttIsUnhealthy() throws Exception {
        HostPort at = serve("HTTP/1.1 400 Bad Request\r\n".getBytes(), true);
        assertThat(MqttProbe.probe(at, "probe", Duration.ofSeconds(5)).detail()).contains("expected CONNACK");
    }

    @Test
    void silenceTimesOut() throws Exception {
        HostPort at = serve(new byte[0], false);
        MqttProbe.Result result = MqttProbe.probe(at, "probe", Duration.ofMillis(300));
        assertThat(result.healthy()).isFalse();
        assertThat(result.detail()).contains("no answer within 300 ms");
    }

    @Test
    void nobodyListeningIsUnhealthy() throws Exception {
        ServerSocket s = new ServerSocket();
        s.bind(new InetSocketAddress("127.0.0.22", 0));
        int port = s.getLocalPort();
        s.close();
        assertThat(MqttProbe.probe(new HostPort("127.0.0.22", port), "p", Duration.ofSeconds(2)).healthy()).isFalse();
    }

    @Test
    void encodesAValidConnect() {
        byte[] packet = MqttProbe.connectPacket("abc");
        assertThat(packet[0]).isEqualTo((byte) 0x10);
        assertThat(packet[1]).isEqualTo((byte) (packet.length - 2));
        assertThat(new String(packet, 4, 4)).isEqualTo("MQTT");
        assertThat(packet[8]).isEqualTo((byte) 4);
    }
}

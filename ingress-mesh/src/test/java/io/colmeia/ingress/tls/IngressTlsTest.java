package io.colmeia.ingress.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.colmeia.common.config.HostPort;
import io.colmeia.common.testing.FreePorts;
import io.colmeia.ingress.IngressConfig;
import io.colmeia.ingress.IngressNode;
import io.colmeia.ingress.support.Mosquitto;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * MQTT over TLS through the ingress to a real replica (mosquitto), with clients that verify the certificate
 * chain and the host name, as devices should.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IngressTlsTest {

    private static final String HOST = "127.0.78.1";
    private LocalCertificates.Issued ca;
    private Mosquitto replica;
    private IngressNode valid;
    private IngressNode expired;
    private TlsTermination validTls;
    private TlsTermination expiredTls;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        Mosquitto.assumeInstalled();
        replica = Mosquitto.start("127.0.78.2");
        ca = LocalCertificates.createCa("colmeia test CA", Duration.ofDays(1));
        Instant now = Instant.now();
        validTls = termination(dir.resolve("valid"), LocalCertificates.issueServer(ca, List.of(HOST, "localhost"),
                now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1))));
        expiredTls = termination(dir.resolve("expired"), LocalCertificates.issueServer(ca, List.of(HOST),
                now.minus(Duration.ofDays(10)), now.minus(Duration.ofDays(1))));
        valid = node("tls-valid", validTls);
        expired = node("tls-expired", expiredTls);
    }

    private TlsTermination termination(Path dir, LocalCertificates.Issued server) throws Exception {
        java.nio.file.Files.createDirectories(dir);
        LocalCertificates.writeCertificates(dir.resolve("server.pem"), server.certificate(), ca.certificate());
        LocalCertificates.writeKey(dir.resolve("server-key.pem"), server.key());
        return new TlsTermination(FreePorts.on(HOST),
                TlsTermination.fromPem(dir.resolve("server.pem"), dir.resolve("server-key.pem")), Duration.ofSeconds(10));
    }

    private IngressNode node(String id, TlsTermination tls) {
        IngressNode node = IngressNode.start(IngressConfig.defaults(id, FreePorts.on(HOST), null,
                List.of(replica.address())));
        tls.bindMetrics(node.registry());
        node.server().startTls(tls);
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(node::ready);
        return node;
    }

    @AfterAll
    void stop() {
        for (IngressNode n : new IngressNode[] {valid, expired}) {
            if (n != null) {
                n.close();
            }
        }
        if (replica != null) {
            replica.close();
        }
    }

    @Test
    void tls12ReachesTheReplicaWithAVerifiedCertificate() throws Exception {
        assertThat(mqttConnectOverTls(validTls.address(), trusting(ca.certificate()), "TLSv1.2")).isEqualTo("TLSv1.2");
    }

    @Test
    void tls13ReachesTheReplicaWithAVerifiedCertificate() throws Exception {
        assertThat(mqttConnectOverTls(validTls.address(), trusting(ca.certificate()), "TLSv1.3")).isEqualTo("TLSv1.3");
        assertThat(valid.registry().get("colmeia_ingress_tls_handshakes_total").tag("outcome", "ok").counter()
                .count()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void anExpiredCertificateIsRefusedByTheClient() throws Exception {
        assertThatThrownBy(() -> mqttConnectOverTls(expiredTls.address(), trusting(ca.certificate()), "TLSv1.3"))
                .isInstanceOf(SSLHandshakeException.class).hasStackTraceContaining("CertificateExpiredException");
    }

    @Test
    void aCertificateFromAnotherCaIsRefusedByTheClient() throws Exception {
        LocalCertificates.Issued other = LocalCertificates.createCa("someone else", Duration.ofDays(1));
        assertThatThrownBy(() -> mqttConnectOverTls(validTls.address(), trusting(other.certificate()), "TLSv1.3"))
                .isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void oldProtocolVersionsAreRefusedByTheIngress() throws Exception {
        assertThatThrownBy(() -> mqttConnectOverTls(validTls.address(), trusting(ca.certificate()), "TLSv1.1"))
                .isInstanceOf(javax.net.ssl.SSLException.class);
    }

    private static SSLContext trusting(X509Certificate anchor) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", anchor);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /** Handshakes with one protocol version, verifies the host name, sends CONNECT; returns the protocol used. */
    private static String mqttConnectOverTls(HostPort address, SSLContext ctx, String protocol) throws Exception {
        try (SSLSocket socket = (SSLSocket) ctx.getSocketFactory().createSocket(address.host(), address.port())) {
            socket.setSoTimeout(10_000);
            socket.setEnabledProtocols(new String[] {protocol});
            SSLParameters params = socket.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(params);
            socket.startHandshake();
            OutputStream out = socket.getOutputStream();
            byte[] id = ("tls-" + protocol).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            byte[] connect = new byte[2 + 10 + 2 + id.length];
            int i = 0;
            connect[i++] = 0x10;
            connect[i++] = (byte) (10 + 2 + id.length);
            for (byte b : new byte[] {0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 30}) {
                connect[i++] = b;
            }
            connect[i++] = 0;
            connect[i++] = (byte) id.length;
            System.arraycopy(id, 0, connect, i, id.length);
            out.write(connect);
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] connack = new byte[4];
            in.readFully(connack);
            assertThat(connack).containsExactly(0x20, 0x02, 0x00, 0x00);
            return socket.getSession().getProtocol();
        }
    }
}

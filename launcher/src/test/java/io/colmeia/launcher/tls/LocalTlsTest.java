package io.colmeia.launcher.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.colmeia.ingress.tls.LocalCertificates;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class LocalTlsTest {

    @Test
    void firstUpCreatesTheFilesAndLaterOnesReuseThemUntilANameIsMissing(@TempDir Path dir) throws Exception {
        LocalTls.Material first = LocalTls.ensure(dir, List.of("mqtt.colmeia.internal", "127.0.2.1"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(first.serverKey())))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca-key.pem"))))
                .isEqualTo("rw-------");
        X509Certificate server = LocalCertificates.readCertificates(first.serverCertificates()).get(0);
        X509Certificate ca = LocalCertificates.readCertificates(first.caCertificate()).get(0);
        server.verify(ca.getPublicKey());

        LocalTls.Material again = LocalTls.ensure(dir, List.of("mqtt.colmeia.internal", "127.0.2.1"));
        assertThat(again.serverSha1()).isEqualTo(first.serverSha1());
        assertThat(again.keyStorePassword()).isEqualTo(first.keyStorePassword());

        LocalTls.Material wider = LocalTls.ensure(dir, List.of("mqtt.colmeia.internal", "127.0.2.1", "127.0.2.2"));
        assertThat(wider.serverSha1()).isNotEqualTo(first.serverSha1());
        assertThat(wider.caSha256()).isEqualTo(first.caSha256());
    }

    /** Handshakes verifying the certificate against {@code caPem} and the host, sends CONNECT, returns CONNACK. */
    public static int[] connackOverTls(Path caPem, String host, int port) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", LocalCertificates.readCertificates(caPem).get(0));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        try (SSLSocket socket = (SSLSocket) ctx.getSocketFactory().createSocket(host, port)) {
            socket.setSoTimeout(15_000);
            SSLParameters params = socket.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(params);
            OutputStream out = socket.getOutputStream();
            out.write(new byte[] {0x10, 16, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 30, 0, 4, 't', 'l', 's', '1'});
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] connack = new byte[4];
            in.readFully(connack);
            int[] out4 = new int[4];
            for (int i = 0; i < 4; i++) {
                out4[i] = connack[i] & 0xFF;
            }
            return out4;
        }
    }
}

package io.colmeia.launcher.tls;

import io.colmeia.ingress.tls.LocalCertificates;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * The TLS files of a local cluster, in {@code <dir>/tls}: a private CA (kept for 5 years), and a server certificate
 * for every address and name of the cluster (kept for 1 year), re-issued when it expires within 30 days or
 * lacks a name the cluster now uses. Created on the first {@code colmeia up}; never committed.
 */
public final class LocalTls {

    static final Duration CA_VALIDITY = Duration.ofDays(5 * 365);
    static final Duration SERVER_VALIDITY = Duration.ofDays(365);
    static final Duration RENEW_BEFORE = Duration.ofDays(30);

    /** Where the files are; the key store password is random per run directory. */
    public record Material(Path dir, Path caCertificate, Path serverCertificates, Path serverKey, Path keyStore,
                         String keyStorePassword, String caSha256, String serverSha1) {
    }

    private LocalTls() {
    }

    public static Material ensure(Path dir, List<String> names) throws IOException {
        Files.createDirectories(dir);
        Path caPem = dir.resolve("ca.pem");
        Path caKey = dir.resolve("ca-key.pem");
        Path serverPem = dir.resolve("server.pem");
        Path serverKey = dir.resolve("server-key.pem");
        Path p12 = dir.resolve("server.p12");
        Path passwordFile = dir.resolve("server.p12.password");

        LocalCertificates.Issued ca;
        if (Files.exists(caPem) && Files.exists(caKey) && !expiresSoon(LocalCertificates.readCertificates(caPem).get(0))) {
            ca = new LocalCertificates.Issued(LocalCertificates.readCertificates(caPem).get(0),
                    readKey(caKey));
        } else {
            ca = LocalCertificates.createCa("colmeia local CA", CA_VALIDITY);
            LocalCertificates.writeCertificates(caPem, ca.certificate());
            LocalCertificates.writeKey(caKey, ca.key());
            Files.deleteIfExists(serverPem); // signed by the old CA
        }
        if (!Files.exists(serverPem) || !Files.exists(p12) || !Files.exists(passwordFile)
                || needsNewServer(LocalCertificates.readCertificates(serverPem).get(0), names)) {
            Instant now = Instant.now();
            LocalCertificates.Issued server = LocalCertificates.issueServer(ca, names, now.minus(Duration.ofMinutes(5)),
                    now.plus(SERVER_VALIDITY));
            byte[] random = new byte[18];
            new SecureRandom().nextBytes(random);
            String password = HexFormat.of().formatHex(random);
            LocalCertificates.writeCertificates(serverPem, server.certificate(), ca.certificate());
            LocalCertificates.writeKey(serverKey, server.key());
            LocalCertificates.writePkcs12(p12, server, ca.certificate(), password.toCharArray());
            writePrivate(passwordFile, password);
        }
        X509Certificate serverCert = LocalCertificates.readCertificates(serverPem).get(0);
        return new Material(dir, caPem, serverPem, serverKey, p12,
                Files.readString(passwordFile, StandardCharsets.US_ASCII).strip(),
                LocalCertificates.fingerprint(ca.certificate(), "SHA-256"),
                LocalCertificates.fingerprint(serverCert, "SHA-1"));
    }

    private static boolean expiresSoon(X509Certificate c) {
        return c.getNotAfter().toInstant().isBefore(Instant.now().plus(RENEW_BEFORE));
    }

    private static boolean needsNewServer(X509Certificate c, List<String> names) {
        if (expiresSoon(c)) {
            return true;
        }
        try {
            List<String> have = new ArrayList<>();
            if (c.getSubjectAlternativeNames() != null) {
                c.getSubjectAlternativeNames().forEach(entry -> have.add(String.valueOf(entry.get(1))));
            }
            return !Set.copyOf(have).containsAll(names);
        } catch (java.security.cert.CertificateParsingException e) {
            return true;
        }
    }

    private static java.security.PrivateKey readKey(Path pem) throws IOException {
        String text = Files.readString(pem, StandardCharsets.US_ASCII)
                .replace("-----BEGIN PRIVATE KEY-----", "").replace("-----END PRIVATE KEY-----", "")
                .replaceAll("\\s", "");
        try {
            return java.security.KeyFactory.getInstance("RSA").generatePrivate(
                    new java.security.spec.PKCS8EncodedKeySpec(java.util.Base64.getDecoder().decode(text)));
        } catch (java.security.GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException(pem + " is not an RSA PKCS#8 key: " + e.getMessage(), e);
        }
    }

    private static void writePrivate(Path file, String content) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file);
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        }
        Files.writeString(file, content, StandardCharsets.US_ASCII);
    }
}

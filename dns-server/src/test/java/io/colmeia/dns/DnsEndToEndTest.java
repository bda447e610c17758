package io.colmeia.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.colmeia.dns.health.HealthChecker;
import io.colmeia.dns.health.Prober;
import io.colmeia.dns.ratelimit.ResponseRateLimiter;
import io.colmeia.dns.server.ServerSettings;
import io.colmeia.dns.zone.Endpoint;
import io.colmeia.dns.zone.StaticRecords;
import io.colmeia.dns.zone.ZoneSpec;
import java.io.DataOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/** The real server on loopback, asked by real clients (dnsjava's resolver, raw sockets, dig). */
class DnsEndToEndTest {

    static final Name ORIGIN = Name.fromConstantString("colmeia.internal.");
    static final Name SERVICE = Name.fromConstantString("mqtt.colmeia.internal.");
    static final Duration PATIENCE = Duration.ofSeconds(20);

    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
    }

    FakeIngress ingress(String address) throws Exception {
        FakeIngress node = new FakeIngress(address).start();
        cleanup.add(node);
        return node;
    }

    static ZoneSpec spec(Name origin, Name service, List<String> records) throws Exception {
        ZoneSpec base = new ZoneSpec(origin, service, 5, List.of(), false, List.of(), 1);
        return new ZoneSpec(origin, service, 5, List.of(), false,
                StaticRecords.parse(records, origin, 5, base::isGeneratedName), 1);
    }

    DnsService start(String listen, ZoneSpec zone, List<Endpoint> nodes, Name discover, int discoverPort,
                     InetSocketAddress discoverServer, int rrl) throws Exception {
        return start(null, listen, zone, nodes, discover, discoverPort, discoverServer, rrl);
    }

    DnsService start(io.colmeia.common.config.HostPort http, String listen, ZoneSpec zone, List<Endpoint> nodes,
                     Name discover, int discoverPort, InetSocketAddress discoverServer, int rrl) throws Exception {
        DnsConfig config = new DnsConfig("dns-test", http, zone,
                new ServerSettings(new InetSocketAddress(InetAddress.getByName(listen), 0), 64, 4,
                        Duration.ofSeconds(1)),
                nodes, discover, discoverPort, discoverServer, Prober.Kind.MQTT,
                new HealthChecker.Settings(Duration.ofMillis(200), Duration.ofMillis(500), 1, 1,
                        Duration.ofMillis(200)),
                ResponseRateLimiter.Settings.of(rrl, 2, 1));
        DnsService service = new DnsService(config);
        cleanup.add(service);
        service.start();
        return service;
    }

    DnsService startWith(FakeIngress... nodes) throws Exception {
        List<Endpoint> endpoints = new ArrayList<>();
        for (FakeIngress n : nodes) {
            endpoints.add(new Endpoint(InetAddress.getByName(n.address()), n.port()));
        }
        return start("127.0.3.1", spec(ORIGIN, SERVICE, List.of()), endpoints, null, 0, null, 0);
    }

    static SimpleResolver resolver(DnsService service, boolean tcp) {
        SimpleResolver r = new SimpleResolver(service.udpAddress());
        r.setTCP(tcp);
        r.setTimeout(Duration.ofSeconds(5));
        return r;
    }

    static Message ask(DnsService service, boolean tcp, Name name, int type) throws Exception {
        return resolver(service, tcp).send(Message.newQuery(Record.newRecord(name, type, DClass.IN)));
    }

    static List<String> addresses(Message m) {
        return m.getSection(Section.ANSWER).stream().filter(r -> r instanceof ARecord)
                .map(r -> ((ARecord) r).getAddress().getHostAddress()).toList();
    }

    @Test
    void dnsjavaResolverGetsTheHealthyNodesOverUdpAndTcp() throws Exception {
        FakeIngress a = ingress("127.0.3.11");
        FakeIngress b = ingress("127.0.3.12");
        DnsService service = startWith(a, b);
        assertThat(service.isReady()).isTrue();
        for (boolean tcp : new boolean[] {false, true}) {
            Message m = ask(service, tcp, SERVICE, Type.A);
            assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(m.getHeader().getFlag(Flags.AA)).isTrue();
            assertThat(addresses(m)).containsExactlyInAnyOrder("127.0.3.11", "127.0.3.12");
        }
        assertThat(ask(service, false, Name.fromString("example.org."), Type.A).getRcode())
                .isEqualTo(Rcode.REFUSED);
        assertThat(ask(service, true, Name.fromString("x.colmeia.internal."), Type.A).getRcode())
                .isEqualTo(Rcode.NXDOMAIN);
    }

    @Test
    void hundredQueriesPutEachHealthyNodeFirstAnEqualShareOfTheTime() throws Exception {
        DnsService service = startWith(ingress("127.0.3.11"), ingress("127.0.3.12"));
        Map<String, Integer> first = new HashMap<>();
        SimpleResolver resolver = resolver(service, false);
        for (int i = 0; i < 100; i++) {
            Message m = resolver.send(Message.newQuery(Record.newRecord(SERVICE, Type.A, DClass.IN)));
            first.merge(addresses(m).get(0), 1, Integer::sum);
        }
        assertThat(first.keySet()).containsExactlyInAnyOrder("127.0.3.11", "127.0.3.12");
        assertThat(first.values()).allSatisfy(n -> assertThat(n).isBetween(45, 55));
    }

    @Test
    void deadNodeVanishesFromAnswersAndComesBackWhenItRecovers() throws Exception {
        FakeIngress a = ingress("127.0.3.11");
        FakeIngress b = ingress("127.0.3.12");
        DnsService service = startWith(a, b);
        b.stop();
        await().atMost(PATIENCE).ignoreExceptions().untilAsserted(() ->
                assertThat(addresses(ask(service, false, SERVICE, Type.A))).containsExactly("127.0.3.11"));
        b.start();
        await().atMost(PATIENCE).ignoreExceptions().untilAsserted(() ->
                assertThat(addresses(ask(service, false, SERVICE, Type.A)))
                        .containsExactlyInAnyOrder("127.0.3.11", "127.0.3.12"));
        assertThat(service.registry().scrape()).contains("colmeia_dns_ingress_node_healthy{node=\"dns-test\","
                + "target=\"127.0.3.12:" + b.port() + "\"} 1");
    }

    @Test
    void whenNoNodeIsHealthyAllAreAnswered() throws Exception {
        FakeIngress a = ingress("127.0.3.11");
        FakeIngress b = ingress("127.0.3.12");
        DnsService service = startWith(a, b);
        a.stop();
        await().atMost(PATIENCE).ignoreExceptions().untilAsserted(() ->
                assertThat(addresses(ask(service, false, SERVICE, Type.A))).containsExactly("127.0.3.12"));
        b.stop();
        await().atMost(PATIENCE).ignoreExceptions().untilAsserted(() -> assertThat(service.nodes())
                .noneMatch(HealthChecker.NodeHealth::healthy));
        assertThat(addresses(ask(service, false, SERVICE, Type.A)))
                .containsExactlyInAnyOrder("127.0.3.11", "127.0.3.12");
    }

    @Test
    void nodesAreDiscoveredByResolvingANameAndFollowItsChanges() throws Exception {
        FakeIngress a = ingress("127.0.3.11");
        // b listens on a's port number at its own address, so one --ingress-port fits both
        FakeIngress b = new FakeIngress("127.0.3.12", a.port());
        cleanup.add(b);
        b.start();
        Name swarm = Name.fromString("swarm.test.");
        DnsService engineDns = start("127.0.3.2", spec(swarm, Name.fromString("other.swarm.test."),
                List.of("tasks.ingress A 127.0.3.11", "tasks.ingress A 127.0.3.12")),
                List.of(new Endpoint(InetAddress.getByName("127.0.3.99"), 1)), null, 0, null, 0);
        DnsService service = start("127.0.3.1", spec(ORIGIN, SERVICE, List.of()), List.of(),
                Name.fromString("tasks.ingress.swarm.test."), a.port(), engineDns.udpAddress(), 0);
        assertThat(addresses(ask(service, false, SERVICE, Type.A)))
                .containsExactlyInAnyOrder("127.0.3.11", "127.0.3.12");
    }

    @Test
    void hostilePacketsAreCountedAndTheServerKeepsServingUdpAndTcp() throws Exception {
        DnsService service = startWith(ingress("127.0.3.11"));
        InetSocketAddress target = service.udpAddress();
        try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress("127.0.3.20", 0))) {
            udp.setSoTimeout(10_000);
            udp.send(new DatagramPacket(new byte[] {1, 2, 3}, 3, target));              // truncated header
            byte[] garbage = new byte[3000];
            new java.util.Random(7).nextBytes(garbage);
            garbage[2] &= 0x7F;                                                          // QR clear: a "query"
            garbage[2] &= (byte) 0x87;                                                   // opcode QUERY
            udp.send(new DatagramPacket(garbage, garbage.length, target));              // garbage
            byte[] reply = new byte[2048];
            DatagramPacket in = new DatagramPacket(reply, reply.length);
            udp.receive(in);                                                             // FORMERR for garbage
            Message formerr = new Message(java.util.Arrays.copyOf(reply, in.getLength()));
            assertThat(formerr.getRcode()).isEqualTo(Rcode.FORMERR);
            udp.setSoTimeout(2000);
            Message response = Message.newQuery(Record.newRecord(SERVICE, Type.A, DClass.IN));
            response.getHeader().setFlag(Flags.QR);
            byte[] wire = response.toWire();
            udp.send(new DatagramPacket(wire, wire.length, target));                    // a response: dropped
            try {
                udp.receive(in);
                throw new AssertionError("a response packet was answered");
            } catch (SocketTimeoutException expected) {
                // nothing comes back
            }
        }
        // huge TCP length prefix with too few bytes, and a slowloris dripping bytes: both closed by the deadline
        try (Socket huge = new Socket(); Socket slow = new Socket()) {
            huge.connect(service.tcpAddress(), 2000);
            huge.getOutputStream().write(new byte[] {(byte) 0xFF, (byte) 0xFF, 1, 2, 3});
            slow.connect(service.tcpAddress(), 2000);
            slow.setSoTimeout(200);
            OutputStream slowOut = slow.getOutputStream();
            slowOut.write(new byte[] {0, 100}); // announces a 100-byte query, then sends it a byte at a time
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            boolean closed = false;
            for (int i = 0; i < 200 && System.nanoTime() < deadline && !closed; i++) {
                try {
                    slowOut.write(0);
                    slowOut.flush();
                    closed = slow.getInputStream().read() < 0;
                } catch (SocketTimeoutException stillOpen) {
                    // the server is still waiting; it must not wait forever
                } catch (java.io.IOException reset) {
                    closed = true;
                }
            }
            assertThat(closed).as("slowloris connection closed by the server").isTrue();
            huge.setSoTimeout(10_000);
            assertThat(readOrEof(huge.getInputStream())).isEqualTo(-1);
        }
        // a short TCP frame closes that connection only
        try (Socket shortFrame = new Socket()) {
            shortFrame.connect(service.tcpAddress(), 2000);
            shortFrame.setSoTimeout(10_000);
            new DataOutputStream(shortFrame.getOutputStream()).write(new byte[] {0, 3, 1, 2, 3});
            assertThat(readOrEof(shortFrame.getInputStream())).isEqualTo(-1);
        }
        // connections over the per-client limit are refused, the others keep working
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                Socket s = new Socket();
                s.connect(service.tcpAddress(), 2000);
                held.add(s);
            }
            await().atMost(PATIENCE).until(() -> service.registry().scrape()
                    .contains("colmeia_dns_tcp_connections_rejected_total{node=\"dns-test\",reason=\"client_limit\"}"));
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
        for (boolean tcp : new boolean[] {false, true}) {
            assertThat(addresses(ask(service, tcp, SERVICE, Type.A))).containsExactly("127.0.3.11");
        }
        String metrics = service.registry().scrape();
        assertThat(metrics).contains("colmeia_dns_malformed_packets_total{node=\"dns-test\",reason=\"short_header\","
                + "transport=\"udp\"} 1");
        assertThat(metrics).contains("reason=\"response_received\",transport=\"udp\"} 1");
        assertThat(metrics).contains("reason=\"unparseable\",transport=\"udp\"} 1");
        assertThat(metrics).contains("reason=\"tcp_timeout\",transport=\"tcp\"} 2");
        assertThat(metrics).contains("reason=\"tcp_frame\",transport=\"tcp\"} 1");
        assertThat(metrics).contains("colmeia_dns_queries_total{node=\"dns-test\",qtype=\"A\",rcode=\"NOERROR\","
                + "transport=\"tcp\"}");
    }

    @Test
    void aFloodOfGarbageDoesNotStopAnswersToOtherClients() throws Exception {
        DnsService service = startWith(ingress("127.0.3.11"));
        java.util.Random random = new java.util.Random(11);
        try (DatagramSocket flood = new DatagramSocket(new InetSocketAddress("127.0.3.22", 0))) {
            for (int i = 0; i < 5000; i++) {
                byte[] junk = new byte[i % 100 == 0 ? 5000 : random.nextInt(600)];
                random.nextBytes(junk);
                flood.send(new DatagramPacket(junk, junk.length, service.udpAddress()));
                if (i % 1000 == 0) {
                    answersWithRetries(service);
                }
            }
        }
        answersWithRetries(service);
        assertThat(addresses(ask(service, true, SERVICE, Type.A))).containsExactly("127.0.3.11");
        assertThat(service.registry().scrape()).contains("colmeia_dns_malformed_packets_total")
                .doesNotContain("colmeia_dns_internal_errors_total{");
    }

    /**
     * During and right after a burst the kernel drops datagrams from the server's full socket buffer, as it
     * does for any UDP server; a real resolver retries, so this does too (each try and the whole wait bounded).
     */
    private static void answersWithRetries(DnsService service) {
        await().atMost(PATIENCE).ignoreExceptions().untilAsserted(() -> {
            SimpleResolver quick = resolver(service, false);
            quick.setTimeout(Duration.ofSeconds(1));
            Message m = quick.send(Message.newQuery(Record.newRecord(SERVICE, Type.A, DClass.IN)));
            assertThat(addresses(m)).containsExactly("127.0.3.11");
        });
    }

    private static int readOrEof(InputStream in) {
        try {
            return in.read();
        } catch (java.io.IOException reset) {
            return -1;
        }
    }

    @Test
    void statusEndpointServesReadinessAndDnsMetricsLabelledWithTheNode() throws Exception {
        FakeIngress a = ingress("127.0.3.11");
        int httpPort;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, InetAddress.getByName("127.0.3.1"))) {
            httpPort = free.getLocalPort();
        }
        DnsService service = start(new io.colmeia.common.config.HostPort("127.0.3.1", httpPort), "127.0.3.1",
                spec(ORIGIN, SERVICE, List.of()), List.of(new Endpoint(InetAddress.getByName(a.address()),
                        a.port())), null, 0, null, 0);
        ask(service, false, SERVICE, Type.A);
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(5)).build();
        java.net.http.HttpResponse<String> ready = http.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.3.1:" + httpPort + "/ready")).timeout(Duration.ofSeconds(10))
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(200);
        String metrics = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.3.1:"
                        + httpPort + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        List<String> names = metrics.lines().filter(l -> l.startsWith("colmeia_dns_"))
                .map(l -> l.replaceAll("[{ ].*", "")).distinct().toList();
        assertThat(names).contains("colmeia_dns_queries_total", "colmeia_dns_answer_duration_seconds_count",
                "colmeia_dns_ingress_node_healthy", "colmeia_dns_ingress_nodes_answered", "colmeia_dns_probes_total",
                "colmeia_dns_tcp_connections");
        assertThat(metrics.lines().filter(l -> l.startsWith("colmeia_dns_")))
                .allSatisfy(l -> assertThat(l).contains("node=\"dns-test\""));
        service.close();
        assertThat(service.isReady()).isFalse();
    }

    @Test
    void severalQueriesShareOneTcpConnection() throws Exception {
        DnsService service = startWith(ingress("127.0.3.11"));
        try (Socket s = new Socket()) {
            s.connect(service.tcpAddress(), 2000);
            s.setSoTimeout(5000);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            java.io.DataInputStream in = new java.io.DataInputStream(s.getInputStream());
            for (int i = 0; i < 3; i++) {
                byte[] q = Message.newQuery(Record.newRecord(SERVICE, Type.A, DClass.IN)).toWire();
                out.writeShort(q.length);
                out.write(q);
                out.flush();
                byte[] answer = new byte[in.readUnsignedShort()];
                in.readFully(answer);
                assertThat(addresses(new Message(answer))).containsExactly("127.0.3.11");
            }
        }
    }

    @Test
    void udpRateLimitingDropsAndSlipsRepeatedResponsesButTcpIsNotLimited() throws Exception {
        FakeIngress a = ingress("127.0.3.11");
        DnsService service = start("127.0.3.1", spec(ORIGIN, SERVICE, List.of()),
                List.of(new Endpoint(InetAddress.getByName(a.address()), a.port())), null, 0, null, 2);
        int answered = 0;
        int slipped = 0;
        try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress("127.0.3.21", 0))) {
            udp.setSoTimeout(2000);
            byte[] q = Message.newQuery(Record.newRecord(SERVICE, Type.A, DClass.IN)).toWire();
            for (int i = 0; i < 40; i++) {
                udp.send(new DatagramPacket(q, q.length, service.udpAddress()));
            }
            byte[] buf = new byte[1500];
            for (int i = 0; i < 40; i++) {
                DatagramPacket in = new DatagramPacket(buf, buf.length);
                try {
                    udp.receive(in);
                } catch (SocketTimeoutException done) {
                    break;
                }
                Message m = new Message(java.util.Arrays.copyOf(buf, in.getLength()));
                if (m.getHeader().getFlag(Flags.TC)) {
                    slipped++;
                } else {
                    answered++;
                }
            }
        }
        // 2 per second with a burst of 2: even a server stalled for 5 s by a busy machine answers at most 12
        assertThat(answered).isBetween(2, 12);
        assertThat(slipped).isPositive();
        assertThat(answered + slipped).isLessThan(40);
        assertThat(addresses(ask(service, true, SERVICE, Type.A))).containsExactly("127.0.3.11");
        assertThat(service.registry().scrape()).contains("colmeia_dns_rate_limited_responses_total{action=\"dropped\"");
    }

    @Test
    void digGetsTheAnswerOverUdpAndTcp() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/dig")),
                "dig (Debian dnsutils) is not installed");
        DnsService service = startWith(ingress("127.0.3.11"), ingress("127.0.3.12"));
        for (String transport : new String[] {"+notcp", "+tcp"}) {
            Process dig = new ProcessBuilder("/usr/bin/dig", "@" + service.udpAddress().getAddress().getHostAddress(),
                    "-p", String.valueOf(service.udpAddress().getPort()), "mqtt.colmeia.internal", "A", transport,
                    "+time=3", "+tries=1")
                    .redirectErrorStream(true).start();
            try {
                assertThat(dig.waitFor(20, TimeUnit.SECONDS)).isTrue();
                String out = new String(dig.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(out).contains("status: NOERROR").contains("flags: qr aa").contains("127.0.3.11")
                        .contains("127.0.3.12").contains("EDNS: version: 0");
            } finally {
                dig.destroyForcibly();
            }
        }
    }
}

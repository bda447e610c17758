package io.colmeia.dns.answer;

import static org.assertj.core.api.Assertions.assertThat;

import io.colmeia.dns.zone.Endpoint;
import io.colmeia.dns.zone.StaticRecords;
import io.colmeia.dns.zone.ZoneSnapshot;
import io.colmeia.dns.zone.ZoneSpec;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** The answering logic as a pure function: one protocol rule per test. */
class ResponderTest {

    static final Name ORIGIN = Name.fromConstantString("colmeia.internal.");
    static final Name SERVICE = Name.fromConstantString("mqtt.colmeia.internal.");

    static ZoneSnapshot zone(int nodes, boolean srv) throws Exception {
        return zone(nodes, srv, ZoneSpec.DEFAULT_MAX_ADDRESSES);
    }

    static ZoneSnapshot zone(int nodes, boolean srv, int maxAddresses) throws Exception {
        List<Endpoint> endpoints = new ArrayList<>();
        for (int i = 1; i <= nodes; i++) {
            endpoints.add(new Endpoint(InetAddress.getByName("127.0.2." + i), 1883));
        }
        ZoneSpec base = new ZoneSpec(ORIGIN, SERVICE, 10, List.of(InetAddress.getByName("127.0.3.1")), srv,
                List.of(), 42);
        List<Record> extra = StaticRecords.parse(List.of("broker-1 A 127.0.1.1", "alias CNAME broker-1",
                "far CNAME example.org.", "loop1 CNAME loop2", "loop2 CNAME loop1", "deep.a.b TXT \"x\"",
                "v6 AAAA ::1"), ORIGIN, 10, base::isGeneratedName);
        ZoneSpec spec = new ZoneSpec(ORIGIN, SERVICE, 10, base.nsAddresses(), srv, extra, 42, maxAddresses);
        return ZoneSnapshot.build(spec, endpoints);
    }

    static byte[] query(String name, int type) throws Exception {
        return query(name, type, null);
    }

    static byte[] query(String name, int type, OPTRecord opt) throws Exception {
        Message q = Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN));
        if (opt != null) {
            q.addRecord(opt, Section.ADDITIONAL);
        }
        return q.toWire();
    }

    static Message udp(ZoneSnapshot zone, byte[] query) throws Exception {
        return parse(Responder.respond(zone, query, Transport.UDP, 0));
    }

    static Message parse(Response r) throws Exception {
        assertThat(r.isDropped()).isFalse();
        return new Message(r.wire());
    }

    static List<String> addresses(Message m) {
        return m.getSection(Section.ANSWER).stream().filter(r -> r instanceof ARecord)
                .map(r -> ((ARecord) r).getAddress().getHostAddress()).toList();
    }

    @Test
    void serviceNameAnswersEveryNodeAuthoritativelyWithTheConfiguredTtl() throws Exception {
        Message m = udp(zone(2, false), query("mqtt.colmeia.internal.", Type.A));
        assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(m.getHeader().getFlag(Flags.AA)).isTrue();
        assertThat(m.getHeader().getFlag(Flags.QR)).isTrue();
        assertThat(m.getHeader().getFlag(Flags.RA)).isFalse();
        assertThat(addresses(m)).containsExactlyInAnyOrder("127.0.2.1", "127.0.2.2");
        assertThat(m.getSection(Section.ANSWER)).allSatisfy(r -> assertThat(r.getTTL()).isEqualTo(10));
    }

    @Test
    void ipv6NodesAreAnsweredAsAaaaAndIpv4NodesAsA() throws Exception {
        ZoneSpec spec = new ZoneSpec(ORIGIN, SERVICE, 10, List.of(), false, List.of(), 1);
        ZoneSnapshot zone = ZoneSnapshot.build(spec, List.of(new Endpoint(InetAddress.getByName("::1"), 1883),
                new Endpoint(InetAddress.getByName("127.0.2.1"), 1883)));
        Message aaaa = udp(zone, query("mqtt.colmeia.internal.", Type.AAAA));
        assertThat(aaaa.getSection(Section.ANSWER)).singleElement().satisfies(r ->
                assertThat(((org.xbill.DNS.AAAARecord) r).getAddress().getHostAddress()).isEqualTo("0:0:0:0:0:0:0:1"));
        assertThat(addresses(udp(zone, query("mqtt.colmeia.internal.", Type.A)))).containsExactly("127.0.2.1");
    }

    @Test
    void rotationPutsEachNodeFirstInTurn() throws Exception {
        ZoneSnapshot zone = zone(3, false);
        byte[] q = query("mqtt.colmeia.internal.", Type.A);
        List<String> firsts = new ArrayList<>();
        for (int rotation = 0; rotation < 6; rotation++) {
            firsts.add(addresses(parse(Responder.respond(zone, q, Transport.UDP, rotation))).get(0));
        }
        assertThat(firsts).containsExactly("127.0.2.1", "127.0.2.2", "127.0.2.3", "127.0.2.1", "127.0.2.2",
                "127.0.2.3");
    }

    @Test
    void negativeRotationCountersStillRotate() throws Exception {
        Message m = parse(Responder.respond(zone(3, false), query("mqtt.colmeia.internal.", Type.A),
                Transport.UDP, Integer.MIN_VALUE));
        assertThat(addresses(m)).hasSize(3);
    }

    @Test
    void namesMatchCaseInsensitivelyAndTheQuestionKeepsTheQueryCase() throws Exception {
        Message m = udp(zone(1, false), query("MqTt.Colmeia.INTERNAL.", Type.A));
        assertThat(addresses(m)).containsExactly("127.0.2.1");
        assertThat(m.getQuestion().getName().toString()).isEqualTo("MqTt.Colmeia.INTERNAL.");
    }

    @Test
    void existingNameWithoutTheTypeIsNodataWithSoaInAuthority() throws Exception {
        Message m = udp(zone(2, false), query("mqtt.colmeia.internal.", Type.AAAA));
        assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(m.getSection(Section.ANSWER)).isEmpty();
        assertThat(m.getSection(Section.AUTHORITY)).singleElement().isInstanceOf(SOARecord.class);
        assertThat(m.getHeader().getFlag(Flags.AA)).isTrue();
    }

    @Test
    void unknownNameIsNxdomainWithSoaInAuthority() throws Exception {
        Message m = udp(zone(2, false), query("nope.colmeia.internal.", Type.A));
        assertThat(m.getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(m.getSection(Section.AUTHORITY)).singleElement().isInstanceOf(SOARecord.class);
        SOARecord soa = (SOARecord) m.getSection(Section.AUTHORITY).get(0);
        assertThat(soa.getMinimum()).isEqualTo(10);
        assertThat(m.getHeader().getFlag(Flags.AA)).isTrue();
    }

    @Test
    void emptyNonTerminalIsNodataNotNxdomain() throws Exception {
        Message m = udp(zone(1, false), query("a.b.colmeia.internal.", Type.A));
        assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(m.getSection(Section.ANSWER)).isEmpty();
        assertThat(m.getSection(Section.AUTHORITY)).singleElement().isInstanceOf(SOARecord.class);
    }

    @Test
    void unknownTypeIsNodata() throws Exception {
        Message m = udp(zone(1, false), query("mqtt.colmeia.internal.", 65280));
        assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(m.getSection(Section.ANSWER)).isEmpty();
        assertThat(m.getSection(Section.AUTHORITY)).hasSize(1);
    }

    @Test
    void nameOutsideTheZoneIsRefusedWithoutAaOrRecursionWhateverRdSays() throws Exception {
        Response r = Responder.respond(zone(1, false), query("example.org.", Type.A), Transport.UDP, 0);
        Message m = parse(r);
        assertThat(m.getRcode()).isEqualTo(Rcode.REFUSED);
        assertThat(m.getHeader().getFlag(Flags.AA)).isFalse();
        assertThat(m.getHeader().getFlag(Flags.RA)).isFalse();
        assertThat(m.getHeader().getFlag(Flags.RD)).isTrue();
        assertThat(m.getSection(Section.ANSWER)).isEmpty();
        assertThat(r.malformed()).isNull();
    }

    @Test
    void parentOfTheZoneIsRefused() throws Exception {
        assertThat(udp(zone(1, false), query("internal.", Type.SOA)).getRcode()).isEqualTo(Rcode.REFUSED);
    }

    @Test
    void apexAnswersSoaAndNsWithTheNameServerAddressAsAdditional() throws Exception {
        ZoneSnapshot zone = zone(1, false);
        Message soa = udp(zone, query("colmeia.internal.", Type.SOA));
        assertThat(soa.getSection(Section.ANSWER)).singleElement().isInstanceOf(SOARecord.class);
        assertThat(((SOARecord) soa.getSection(Section.ANSWER).get(0)).getSerial()).isEqualTo(42);
        Message ns = udp(zone, query("colmeia.internal.", Type.NS));
        assertThat(ns.getSection(Section.ANSWER)).singleElement().extracting(Record::getType).isEqualTo(Type.NS);
        assertThat(ns.getSection(Section.ADDITIONAL)).anySatisfy(r -> {
            assertThat(r).isInstanceOf(ARecord.class);
            assertThat(((ARecord) r).getAddress().getHostAddress()).isEqualTo("127.0.3.1");
        });
    }

    @Test
    void unknownOpcodeIsNotimp() throws Exception {
        Message q = Message.newQuery(Record.newRecord(SERVICE, Type.A, DClass.IN));
        q.getHeader().setOpcode(Opcode.UPDATE);
        Message m = udp(zone(1, false), q.toWire());
        assertThat(m.getRcode()).isEqualTo(Rcode.NOTIMP);
        assertThat(m.getHeader().getID()).isEqualTo(q.getHeader().getID());
        assertThat(m.getHeader().getOpcode()).isEqualTo(Opcode.UPDATE);
        assertThat(m.getQuestion()).isEqualTo(q.getQuestion());
        q.getHeader().setOpcode(9);
        q.addRecord(new OPTRecord(1232, 0, 0, 0), Section.ADDITIONAL);
        Message unknown = udp(zone(1, false), q.toWire());
        assertThat(unknown.getRcode()).isEqualTo(Rcode.NOTIMP);
        assertThat(unknown.getHeader().getOpcode()).isEqualTo(9);
        assertThat(unknown.getOPT()).isNotNull();
    }

    @Test
    void unknownOpcodeWithAnUnreadableBodyStillGetsAHeaderOnlyNotimp() throws Exception {
        byte[] packet = new byte[20];
        packet[0] = 0x12;
        packet[1] = 0x34;
        packet[2] = (byte) (5 << 3); // opcode 5 (UPDATE), QR clear
        packet[5] = 1;                // one question that is not there
        Message m = udp(zone(1, false), packet);
        assertThat(m.getRcode()).isEqualTo(Rcode.NOTIMP);
        assertThat(m.getHeader().getID()).isEqualTo(0x1234);
    }

    @Test
    void undecodableQueryIsFormerrWithItsId() throws Exception {
        byte[] bytes = query("mqtt.colmeia.internal.", Type.A);
        byte[] cut = java.util.Arrays.copyOf(bytes, bytes.length - 3);
        Response r = Responder.respond(zone(1, false), cut, Transport.UDP, 0);
        Message m = parse(r);
        assertThat(m.getRcode()).isEqualTo(Rcode.FORMERR);
        assertThat(m.getHeader().getID()).isEqualTo(((bytes[0] & 0xFF) << 8) | (bytes[1] & 0xFF));
        assertThat(r.malformed()).isEqualTo(Malformed.UNPARSEABLE);
    }

    @Test
    void queryWithoutQuestionIsFormerr() throws Exception {
        Message q = new Message();
        Response r = Responder.respond(zone(1, false), q.toWire(), Transport.UDP, 0);
        assertThat(parse(r).getRcode()).isEqualTo(Rcode.FORMERR);
        assertThat(r.malformed()).isEqualTo(Malformed.QUESTION_COUNT);
    }

    @Test
    void twoQuestionsAreFormerr() throws Exception {
        Message q = Message.newQuery(Record.newRecord(SERVICE, Type.A, DClass.IN));
        q.addRecord(Record.newRecord(SERVICE, Type.AAAA, DClass.IN), Section.QUESTION);
        assertThat(udp(zone(1, false), q.toWire()).getRcode()).isEqualTo(Rcode.FORMERR);
    }

    @Test
    void packetShorterThanAHeaderIsDropped() throws Exception {
        Response r = Responder.respond(zone(1, false), new byte[11], Transport.UDP, 0);
        assertThat(r.isDropped()).isTrue();
        assertThat(r.malformed()).isEqualTo(Malformed.SHORT_HEADER);
    }

    @Test
    void responsesAreNeverAnswered() throws Exception {
        Message q = Message.newQuery(Record.newRecord(SERVICE, Type.A, DClass.IN));
        q.getHeader().setFlag(Flags.QR);
        Response r = Responder.respond(zone(1, false), q.toWire(), Transport.UDP, 0);
        assertThat(r.isDropped()).isTrue();
        assertThat(r.malformed()).isEqualTo(Malformed.RESPONSE_RECEIVED);
    }

    @Test
    void ednsQueryGetsOptEchoedWithOurPayloadSizeAndTheDoBit() throws Exception {
        Message m = udp(zone(1, false), query("mqtt.colmeia.internal.", Type.A,
                new OPTRecord(4096, 0, 0, ExtendedFlags.DO)));
        OPTRecord opt = m.getOPT();
        assertThat(opt).isNotNull();
        assertThat(opt.getPayloadSize()).isEqualTo(Responder.MAX_UDP_PAYLOAD);
        assertThat(opt.getVersion()).isZero();
        assertThat(opt.getFlags() & ExtendedFlags.DO).isEqualTo(ExtendedFlags.DO);
    }

    @Test
    void queryWithoutEdnsGetsNoOpt() throws Exception {
        assertThat(udp(zone(1, false), query("mqtt.colmeia.internal.", Type.A)).getOPT()).isNull();
    }

    @Test
    void ednsVersionAboveZeroIsBadvers() throws Exception {
        Message m = udp(zone(1, false), query("mqtt.colmeia.internal.", Type.A, new OPTRecord(1232, 0, 1, 0)));
        assertThat(m.getRcode()).isEqualTo(Rcode.BADVERS);
        assertThat(m.getOPT()).isNotNull();
        assertThat(m.getOPT().getVersion()).isZero();
        assertThat(m.getSection(Section.ANSWER)).isEmpty();
    }

    @Test
    void twoOptRecordsAreFormerrWithAnOpt() throws Exception {
        Message q = Message.newQuery(Record.newRecord(SERVICE, Type.A, DClass.IN));
        q.addRecord(new OPTRecord(1232, 0, 0, 0), Section.ADDITIONAL);
        q.addRecord(new OPTRecord(1232, 0, 0, 0), Section.ADDITIONAL);
        Response r = Responder.respond(zone(1, false), q.toWire(), Transport.UDP, 0);
        assertThat(parse(r).getRcode()).isEqualTo(Rcode.FORMERR);
        assertThat(parse(r).getOPT()).isNotNull();
        assertThat(r.malformed()).isEqualTo(Malformed.BAD_OPT);
    }

    @Test
    void udpWithoutEdnsIsCappedAt512WithTcAndTcpCarriesTheFullAnswer() throws Exception {
        ZoneSnapshot zone = zone(60, false, 0);
        byte[] q = query("mqtt.colmeia.internal.", Type.A);
        Response udp = Responder.respond(zone, q, Transport.UDP, 0);
        assertThat(udp.wire().length).isLessThanOrEqualTo(512);
        assertThat(udp.truncated()).isTrue();
        assertThat(new Message(udp.wire()).getHeader().getFlag(Flags.TC)).isTrue();
        Response tcp = Responder.respond(zone, q, Transport.TCP, 0);
        assertThat(tcp.truncated()).isFalse();
        assertThat(addresses(new Message(tcp.wire()))).hasSize(60);
    }

    @Test
    void udpWithEdnsIsCappedAt1232EvenWhenTheClientOffersMore() throws Exception {
        ZoneSnapshot zone = zone(200, false, 0);
        Response r = Responder.respond(zone, query("mqtt.colmeia.internal.", Type.A,
                new OPTRecord(65000, 0, 0, 0)), Transport.UDP, 0);
        assertThat(r.wire().length).isLessThanOrEqualTo(1232);
        assertThat(r.truncated()).isTrue();
        assertThat(new Message(r.wire()).getOPT()).isNotNull();
    }

    @Test
    void manyNodesAreCutToMaxAddressesSoUdpNeverTruncatesAndEachNodeStillComesFirstInTurn() throws Exception {
        ZoneSnapshot zone = zone(60, false);
        byte[] q = query("mqtt.colmeia.internal.", Type.A);
        java.util.Set<String> firsts = new java.util.HashSet<>();
        for (int rotation = 0; rotation < 60; rotation++) {
            Response r = Responder.respond(zone, q, Transport.UDP, rotation);
            assertThat(r.truncated()).isFalse();
            List<String> addresses = addresses(new Message(r.wire()));
            assertThat(addresses).hasSize(ZoneSpec.DEFAULT_MAX_ADDRESSES);
            firsts.add(addresses.get(0));
        }
        assertThat(firsts).hasSize(60);
    }

    @Test
    void smallAnswerFitsUnder512BytesForEsp8266() throws Exception {
        Response r = Responder.respond(zone(3, false), query("mqtt.colmeia.internal.", Type.A), Transport.UDP, 0);
        assertThat(r.truncated()).isFalse();
        assertThat(r.wire().length).isLessThan(512);
    }

    @Test
    void srvRecordsCarryThePortAndTheTargetAddressesComeAsAdditional() throws Exception {
        Message m = udp(zone(2, true), query("_mqtt._tcp.colmeia.internal.", Type.SRV));
        assertThat(m.getSection(Section.ANSWER)).hasSize(2).allSatisfy(r -> {
            assertThat(r).isInstanceOf(SRVRecord.class);
            assertThat(((SRVRecord) r).getPort()).isEqualTo(1883);
        });
        assertThat(m.getSection(Section.ADDITIONAL)).hasSize(2).allSatisfy(r -> assertThat(r).isInstanceOf(
                ARecord.class));
        Message host = udp(zone(2, true), query("127-0-2-1.nodes.colmeia.internal.", Type.A));
        assertThat(addresses(host)).containsExactly("127.0.2.1");
    }

    @Test
    void srvIsNxdomainWhenNotEnabled() throws Exception {
        assertThat(udp(zone(2, false), query("_mqtt._tcp.colmeia.internal.", Type.SRV)).getRcode())
                .isEqualTo(Rcode.NXDOMAIN);
    }

    @Test
    void staticRecordsAreServed() throws Exception {
        Message m = udp(zone(1, false), query("broker-1.colmeia.internal.", Type.A));
        assertThat(addresses(m)).containsExactly("127.0.1.1");
    }

    @Test
    void cnameInsideTheZoneIsFollowed() throws Exception {
        Message m = udp(zone(1, false), query("alias.colmeia.internal.", Type.A));
        assertThat(m.getSection(Section.ANSWER)).hasSize(2);
        assertThat(m.getSection(Section.ANSWER).get(0)).isInstanceOf(CNAMERecord.class);
        assertThat(addresses(m)).containsExactly("127.0.1.1");
    }

    @Test
    void cnameOutsideTheZoneIsAnsweredAsIs() throws Exception {
        Message m = udp(zone(1, false), query("far.colmeia.internal.", Type.A));
        assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(m.getSection(Section.ANSWER)).singleElement().isInstanceOf(CNAMERecord.class);
    }

    @Test
    void cnameLoopEndsAfterABoundedChain() throws Exception {
        Message m = udp(zone(1, false), query("loop1.colmeia.internal.", Type.A));
        assertThat(m.getSection(Section.ANSWER)).hasSizeLessThanOrEqualTo(Responder.MAX_CNAME_CHAIN + 1);
    }

    @Test
    void zoneTransfersAreRefused() throws Exception {
        assertThat(parse(Responder.respond(zone(1, false), query("colmeia.internal.", Type.AXFR), Transport.TCP, 0))
                .getRcode()).isEqualTo(Rcode.REFUSED);
        assertThat(udp(zone(1, false), query("colmeia.internal.", Type.IXFR)).getRcode()).isEqualTo(Rcode.REFUSED);
    }

    @Test
    void classOtherThanInIsRefused() throws Exception {
        Message q = Message.newQuery(Record.newRecord(Name.fromString("version.bind."), Type.TXT, DClass.CH));
        assertThat(udp(zone(1, false), q.toWire()).getRcode()).isEqualTo(Rcode.REFUSED);
    }

    @Test
    void tsigSignedQueryIsNotauthBecauseTheServerHoldsNoKeys() throws Exception {
        Message q = Message.newQuery(Record.newRecord(SERVICE, Type.A, DClass.IN));
        q.setTSIG(new org.xbill.DNS.TSIG(org.xbill.DNS.TSIG.HMAC_SHA256, "key.",
                "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"));
        Message m = udp(zone(1, false), q.toWire(512));
        assertThat(m.getRcode()).isEqualTo(Rcode.NOTAUTH);
        assertThat(m.getSection(Section.ANSWER)).isEmpty();
    }

    @Test
    void optAsQuestionTypeIsFormerr() throws Exception {
        assertThat(udp(zone(1, false), query("mqtt.colmeia.internal.", Type.OPT)).getRcode())
                .isEqualTo(Rcode.FORMERR);
    }

    @Test
    void anyAnswersEveryRrsetAtTheName() throws Exception {
        Message m = udp(zone(1, false), query("colmeia.internal.", Type.ANY));
        assertThat(m.getSection(Section.ANSWER)).extracting(Record::getType)
                .containsExactlyInAnyOrder(Type.SOA, Type.NS);
    }

    @Test
    void slipIsAnEmptyTruncatedReplyToTheSameQuestion() throws Exception {
        Response r = Responder.respond(zone(2, false), query("mqtt.colmeia.internal.", Type.A), Transport.UDP, 0);
        Message slipped = new Message(Responder.slip(r));
        assertThat(slipped.getHeader().getFlag(Flags.TC)).isTrue();
        assertThat(slipped.getHeader().getID()).isEqualTo(new Message(r.wire()).getHeader().getID());
        assertThat(slipped.getQuestion()).isEqualTo(new Message(r.wire()).getQuestion());
        assertThat(slipped.getSection(Section.ANSWER)).isEmpty();
    }

    @Test
    void emptyServiceIsNodataNotAnError() throws Exception {
        ZoneSpec spec = new ZoneSpec(ORIGIN, SERVICE, 10, List.of(), false, List.of(), 1);
        Message m = udp(ZoneSnapshot.build(spec, List.of()), query("mqtt.colmeia.internal.", Type.A));
        assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(m.getSection(Section.ANSWER)).isEmpty();
    }

    /** 100k random and mutated packets: every one is answered or dropped, none throws, answers parse. */
    @Test
    void fuzzedPacketsNeverThrowAndEveryAnswerIsWellFormed() throws Exception {
        ZoneSnapshot zone = zone(3, true);
        Random random = new Random(4);
        List<byte[]> seeds = List.of(query("mqtt.colmeia.internal.", Type.A),
                query("_mqtt._tcp.colmeia.internal.", Type.SRV, new OPTRecord(1232, 0, 0, ExtendedFlags.DO)),
                query("alias.colmeia.internal.", Type.A), query("example.org.", Type.ANY));
        Map<String, Integer> outcomes = new HashMap<>();
        for (int i = 0; i < 100_000; i++) {
            byte[] packet;
            if (i % 4 == 0) {
                packet = new byte[random.nextInt(64)];
                random.nextBytes(packet);
            } else {
                byte[] seed = seeds.get(random.nextInt(seeds.size()));
                packet = java.util.Arrays.copyOf(seed, Math.max(0, seed.length + random.nextInt(9) - 4));
                int flips = 1 + random.nextInt(6);
                for (int f = 0; f < flips && packet.length > 0; f++) {
                    packet[random.nextInt(packet.length)] = (byte) random.nextInt(256);
                }
            }
            Transport transport = random.nextBoolean() ? Transport.UDP : Transport.TCP;
            Response r = Responder.respond(zone, packet, transport, random.nextInt());
            if (r.isDropped()) {
                outcomes.merge("dropped", 1, Integer::sum);
                continue;
            }
            Message m = new Message(r.wire());
            assertThat(m.getHeader().getFlag(Flags.QR)).isTrue();
            assertThat(r.wire().length).isLessThanOrEqualTo(transport == Transport.UDP ? 1232 : 65535);
            outcomes.merge(Rcode.string(m.getRcode()), 1, Integer::sum);
        }
        assertThat(outcomes).containsKeys("dropped", "FORMERR", "NOERROR", "REFUSED");
    }
}

package io.colmeia.dns.answer;

import io.colmeia.dns.zone.ZoneSnapshot;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The answering logic: a pure function from (zone, query bytes, transport, rotation) to a {@link Response}.
 * No sockets, no clocks, no shared state; the server loop supplies the rotation (a per-query counter) so
 * that consecutive queries see the service's addresses in rotated order.
 *
 * <p>Protocol rules (RFC 1034/1035, 2308, 6891, 8020, 8906): authoritative answers set AA; names outside the
 * zone are REFUSED whatever RD says (no recursion, RA never set); unknown opcodes get NOTIMP; undecodable
 * queries FORMERR; EDNS versions above 0 BADVERS; the OPT is echoed with our payload size and the DO bit;
 * UDP responses are capped at the client's EDNS size, at most 1232 bytes (512 without EDNS), with TC set
 * when whole RRsets had to be left out; NXDOMAIN and NODATA carry the SOA in the authority section; empty
 * non-terminals are NODATA; unknown types are NODATA; the question is echoed with the query's letter case.
 */
public final class Responder {

    /** The largest UDP response (DNS flag day 2020: avoids IP fragmentation). */
    public static final int MAX_UDP_PAYLOAD = 1232;
    /** UDP limit without EDNS, and the floor of an EDNS client's advertised size (RFC 6891 §6.2.5). */
    public static final int MIN_UDP_PAYLOAD = 512;
    public static final int MAX_TCP_MESSAGE = 65535;
    /** CNAMEs followed inside the zone before the chain is answered as is. */
    static final int MAX_CNAME_CHAIN = 8;

    private static final Response.RateKey ERROR_KEY = () -> "error";
    private static final Response.RateKey NXDOMAIN_KEY = () -> "nxdomain";

    private Responder() {
    }

    public static Response respond(ZoneSnapshot zone, byte[] query, Transport transport, int rotation) {
        if (query.length < Header.LENGTH) {
            return Response.dropped(Malformed.SHORT_HEADER);
        }
        Header header;
        try {
            header = new Header(query);
        } catch (IOException | RuntimeException e) {
            return Response.dropped(Malformed.SHORT_HEADER);
        }
        if (header.getFlag(Flags.QR)) {
            return Response.dropped(Malformed.RESPONSE_RECEIVED);
        }
        boolean isQuery = header.getOpcode() == Opcode.QUERY;
        Message parsed;
        try {
            parsed = new Message(query);
            for (int section = 0; section < 4; section++) {
                if (parsed.getSection(section).size() != header.getCount(section)) {
                    parsed = null;
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            parsed = null;
        }
        if (!isQuery) {
            // NOTIMP (RFC 1035 §4.1.1), echoing the question and an OPT when the message could be read
            if (parsed == null || parsed.getSection(Section.QUESTION).size() != 1) {
                return headerOnly(header, Rcode.NOTIMP, null, ERROR_KEY);
            }
            Query q = Query.of(parsed);
            Response r = reply(q, transport, Rcode.NOTIMP, null, parsed.getQuestion(), false, ERROR_KEY);
            r.message().getHeader().setOpcode(header.getOpcode());
            return new Response(r.message().toWire(q.udpLimitFor(transport)), r.message(), r.rcode(), r.qtype(),
                    null, false, ERROR_KEY);
        }
        if (parsed == null) {
            return headerOnly(header, Rcode.FORMERR, Malformed.UNPARSEABLE, ERROR_KEY);
        }
        Query q = Query.of(parsed);
        if (q.badOpt) {
            return reply(q, transport, Rcode.FORMERR, Malformed.BAD_OPT, null, false, ERROR_KEY);
        }
        List<Record> questions = parsed.getSection(Section.QUESTION);
        if (questions.size() != 1) {
            return reply(q, transport, Rcode.FORMERR, Malformed.QUESTION_COUNT, null, false, ERROR_KEY);
        }
        Record question = questions.get(0);
        if (q.opt != null && q.opt.getVersion() > 0) {
            return reply(q, transport, Rcode.BADVERS, null, question, false, ERROR_KEY);
        }
        if (parsed.getTSIG() != null) {
            // We hold no keys: RFC 8945 §5.2 answers an unknown key with NOTAUTH.
            return reply(q, transport, Rcode.NOTAUTH, null, question, false, ERROR_KEY);
        }
        int qtype = question.getType();
        if (qtype == Type.OPT || qtype == Type.TSIG || qtype == Type.TKEY) {
            return reply(q, transport, Rcode.FORMERR, Malformed.BAD_QUESTION, question, false, ERROR_KEY);
        }
        if (question.getDClass() != DClass.IN) {
            return reply(q, transport, Rcode.REFUSED, null, question, false, ERROR_KEY);
        }
        if (!zone.contains(question.getName())) {
            return reply(q, transport, Rcode.REFUSED, null, question, false, ERROR_KEY);
        }
        if (qtype == Type.AXFR || qtype == Type.IXFR) {
            // The zone changes with node health; transfers are not offered (every server probes by itself).
            return reply(q, transport, Rcode.REFUSED, null, question, true, ERROR_KEY);
        }
        if (qtype == Type.MAILA || qtype == Type.MAILB) {
            return reply(q, transport, Rcode.NOTIMP, null, question, false, ERROR_KEY);
        }
        return answer(zone, q, question, transport, rotation);
    }

    /** Builds the minimal reply a rate limiter "slips" instead of dropping: same question, no data, TC set. */
    public static byte[] slip(Response response) {
        Message full = response.message();
        if (full == null) {
            return null;
        }
        Message slipped = new Message(full.getHeader().getID());
        Header h = slipped.getHeader();
        h.setFlag(Flags.QR);
        h.setFlag(Flags.TC);
        copyFlag(full.getHeader(), h, Flags.AA);
        copyFlag(full.getHeader(), h, Flags.RD);
        copyFlag(full.getHeader(), h, Flags.CD);
        h.setOpcode(full.getHeader().getOpcode());
        h.setRcode(full.getHeader().getRcode());
        Record question = full.getQuestion();
        if (question != null) {
            slipped.addRecord(question, Section.QUESTION);
        }
        OPTRecord opt = full.getOPT();
        if (opt != null) {
            slipped.addRecord(opt, Section.ADDITIONAL);
        }
        return slipped.toWire(MIN_UDP_PAYLOAD);
    }

    private static Response answer(ZoneSnapshot zone, Query q, Record question, Transport transport, int rotation) {
        Name qname = question.getName();
        int qtype = question.getType();
        List<Record> answers = new ArrayList<>();
        List<Record> authority = new ArrayList<>();
        Name name = qname;
        int rcode = Rcode.NOERROR;
        boolean positive = false;
        for (int hop = 0; hop <= MAX_CNAME_CHAIN; hop++) {
            Map<Integer, List<Record>> sets = zone.rrsets(name);
            // The service's address (and SRV) sets are cut to maxAddresses after rotation: a deliberate
            // partial RRset, so that every node still comes first in turn and UDP answers stay small.
            int limit = name.equals(zone.spec().serviceName())
                    || (zone.spec().srv() && name.equals(zone.spec().srvName())) ? zone.spec().maxAddresses() : 0;
            if (qtype == Type.ANY && !sets.isEmpty()) {
                sets.values().forEach(set -> addRotated(answers, set, rotation, limit));
                positive = true;
                break;
            }
            List<Record> exact = sets.get(qtype);
            if (exact != null) {
                addRotated(answers, exact, rotation, limit);
                positive = true;
                break;
            }
            List<Record> cname = sets.get(Type.CNAME);
            if (cname != null) {
                CNAMERecord alias = (CNAMERecord) cname.get(0);
                answers.add(alias);
                positive = true;
                if (!zone.contains(alias.getTarget())) {
                    break; // the client's resolver follows a target outside our zone
                }
                name = alias.getTarget(); // followed while in the zone, at most MAX_CNAME_CHAIN times
                continue;
            }
            if (!zone.exists(name)) {
                rcode = Rcode.NXDOMAIN;
            }
            authority.add(zone.soa());
            break;
        }
        Message response = start(q, rcode, question, true);
        answers.forEach(r -> response.addRecord(r, Section.ANSWER));
        authority.forEach(r -> response.addRecord(r, Section.AUTHORITY));
        for (Record glue : additional(zone, answers)) {
            response.addRecord(glue, Section.ADDITIONAL);
        }
        Response.RateKey rateKey;
        if (rcode == Rcode.NXDOMAIN) {
            rateKey = NXDOMAIN_KEY;
        } else {
            String sign = positive ? "+" : "0";
            rateKey = () -> sign + qname.toString().toLowerCase(Locale.ROOT) + "/" + qtype;
        }
        return finish(q, response, transport, rcode, null, qtype, rateKey);
    }

    /** Addresses of in-zone names that SRV, NS and MX answers point at, so a client needs no second query. */
    private static List<Record> additional(ZoneSnapshot zone, List<Record> answers) {
        List<Record> glue = new ArrayList<>();
        Set<Name> done = new HashSet<>();
        for (Record record : answers) {
            Name target = null;
            if (record instanceof SRVRecord srv) {
                target = srv.getTarget();
            } else if (record instanceof NSRecord ns) {
                target = ns.getTarget();
            } else if (record instanceof MXRecord mx) {
                target = mx.getTarget();
            }
            if (target == null || !zone.contains(target) || !done.add(target)) {
                continue;
            }
            Map<Integer, List<Record>> sets = zone.rrsets(target);
            glue.addAll(sets.getOrDefault(Type.A, List.of()));
            glue.addAll(sets.getOrDefault(Type.AAAA, List.of()));
        }
        return glue;
    }

    /** Adds the RRset starting at a rotating position; at most {@code limit} records (0: all). */
    private static void addRotated(List<Record> out, List<Record> set, int rotation, int limit) {
        int n = set.size();
        int shift = n <= 1 ? 0 : Math.floorMod(rotation, n);
        int count = limit > 0 ? Math.min(limit, n) : n;
        for (int i = 0; i < count; i++) {
            out.add(set.get((i + shift) % n));
        }
    }

    private static Response reply(Query q, Transport transport, int rcode, Malformed malformed, Record question,
                                  boolean authoritative, Response.RateKey rateKey) {
        Message response = start(q, rcode, question, authoritative);
        return finish(q, response, transport, rcode, malformed, question == null ? -1 : question.getType(), rateKey);
    }

    private static Message start(Query q, int rcode, Record question, boolean authoritative) {
        Message response = new Message(q.header.getID());
        Header h = response.getHeader();
        h.setFlag(Flags.QR);
        h.setOpcode(Opcode.QUERY);
        if (authoritative) {
            h.setFlag(Flags.AA);
        }
        copyFlag(q.header, h, Flags.RD);
        copyFlag(q.header, h, Flags.CD);
        h.setRcode(rcode & 0xF);
        if (question != null) {
            response.addRecord(question, Section.QUESTION);
        }
        if (q.hasOpt) {
            int flags = q.opt != null ? q.opt.getFlags() & ExtendedFlags.DO : 0;
            response.addRecord(new OPTRecord(MAX_UDP_PAYLOAD, rcode >>> 4, 0, flags), Section.ADDITIONAL);
        }
        return response;
    }

    private static Response finish(Query q, Message response, Transport transport, int rcode, Malformed malformed,
                                   int qtype, Response.RateKey rateKey) {
        int limit = q.udpLimitFor(transport);
        byte[] wire = response.toWire(limit);
        boolean truncated = wire.length >= 3 && (wire[2] & 0x02) != 0;
        return new Response(wire, response, rcode, qtype, malformed, truncated, rateKey);
    }

    private static Response headerOnly(Header query, int rcode, Malformed malformed, Response.RateKey rateKey) {
        Message response = new Message(query.getID());
        Header h = response.getHeader();
        h.setFlag(Flags.QR);
        h.setOpcode(query.getOpcode());
        copyFlag(query, h, Flags.RD);
        h.setRcode(rcode);
        return new Response(response.toWire(MIN_UDP_PAYLOAD), response, rcode, -1, malformed, false, rateKey);
    }

    private static void copyFlag(Header from, Header to, int flag) {
        if (from.getFlag(flag)) {
            to.setFlag(flag);
        }
    }

    /** The parts of a parsed query the answer depends on. */
    private record Query(Header header, OPTRecord opt, boolean hasOpt, boolean badOpt) {

        static Query of(Message parsed) {
            OPTRecord first = null;
            int count = 0;
            boolean bad = false;
            for (int section = Section.ANSWER; section <= Section.ADDITIONAL; section++) {
                for (Record r : parsed.getSection(section)) {
                    if (r.getType() != Type.OPT) {
                        continue;
                    }
                    count++;
                    if (section != Section.ADDITIONAL || !r.getName().equals(Name.root)
                            || !(r instanceof OPTRecord)) {
                        bad = true;
                    } else if (first == null) {
                        first = (OPTRecord) r;
                    }
                }
            }
            bad |= count > 1;
            return new Query(parsed.getHeader(), bad ? null : first, count > 0, bad);
        }

        int udpLimitFor(Transport transport) {
            if (transport == Transport.TCP) {
                return MAX_TCP_MESSAGE;
            }
            if (opt == null) {
                return MIN_UDP_PAYLOAD;
            }
            return Math.min(MAX_UDP_PAYLOAD, Math.max(MIN_UDP_PAYLOAD, opt.getPayloadSize()));
        }
    }
}

package io.colmeia.dns.metrics;

import io.colmeia.dns.answer.Malformed;
import io.colmeia.dns.answer.Response;
import io.colmeia.dns.answer.Transport;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * Every metric of the DNS server ({@code colmeia_dns_*}); the registry adds the {@code node} label.
 * Label values come from small fixed sets (query types outside a known list are "other"), so a hostile
 * client cannot blow up the number of series.
 */
public final class DnsMetrics {

    private static final Set<Integer> NAMED_TYPES = Set.of(Type.A, Type.AAAA, Type.SRV, Type.SOA, Type.NS,
            Type.CNAME, Type.TXT, Type.MX, Type.PTR, Type.ANY, Type.HTTPS, Type.SVCB, Type.CAA, Type.DS,
            Type.DNSKEY, Type.AXFR, Type.IXFR);

    private static final List<Integer> TYPE_ORDER = List.copyOf(new java.util.TreeSet<>(NAMED_TYPES));
    private static final Map<Integer, Integer> TYPE_INDEX = indexOf(TYPE_ORDER);
    /** Named types, then "none", then "other". */
    private static final int TYPE_SLOTS = TYPE_ORDER.size() + 2;
    /** Response codes 0..23 get their own counter; anything else is "OTHER". */
    private static final int RCODES = 24;

    private final MeterRegistry registry;
    private final Counter[] queryCounters = new Counter[Transport.values().length * TYPE_SLOTS * (RCODES + 1)];
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Timer answerTime;

    public DnsMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.answerTime = Timer.builder("colmeia_dns_answer_duration")
                .description("Time to compute one answer from the query bytes (the answering logic alone)")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(1_000))
                .maximumExpectedValue(Duration.ofMillis(100))
                .register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** Counts one answered or dropped packet. */
    public void response(Transport transport, Response response, long answerNanos) {
        answerTime.record(answerNanos, TimeUnit.NANOSECONDS);
        if (response.malformed() != null) {
            malformed(transport, response.malformed());
        }
        if (response.isDropped()) {
            return;
        }
        queries(transport, response.qtype(), response.rcode()).increment();
        if (response.truncated()) {
            counter("t|" + transport, () -> Counter.builder("colmeia_dns_truncated_responses_total")
                    .description("Responses sent with TC set because the answer did not fit")
                    .tag("transport", transport.label()).register(registry)).increment();
        }
    }

    /** The query counter for this label combination, without building a key string on the hot path. */
    private Counter queries(Transport transport, int qtype, int rcode) {
        int typeIndex = typeIndex(qtype);
        int rcodeIndex = rcode >= 0 && rcode < RCODES ? rcode : RCODES;
        int slot = (transport.ordinal() * TYPE_SLOTS + typeIndex) * (RCODES + 1) + rcodeIndex;
        Counter c = queryCounters[slot];
        if (c == null) {
            String type = typeLabel(qtype);
            String code = rcodeIndex == RCODES ? "OTHER" : Rcode.string(rcode);
            c = Counter.builder("colmeia_dns_queries_total")
                    .description("Queries answered, by transport, question type and response code")
                    .tag("transport", transport.label()).tag("qtype", type).tag("rcode", code)
                    .register(registry);
            queryCounters[slot] = c; // a benign race: the registry returns the same counter for the same tags
        }
        return c;
    }

    private static int typeIndex(int qtype) {
        if (qtype < 0) {
            return TYPE_SLOTS - 2;
        }
        Integer i = TYPE_INDEX.get(qtype);
        return i != null ? i : TYPE_SLOTS - 1;
    }

    /** Counts one packet or connection rejected as malformed or hostile. */
    public void malformed(Transport transport, Malformed reason) {
        counter("m|" + transport + "|" + reason, () -> Counter.builder("colmeia_dns_malformed_packets_total")
                .description("Malformed or hostile packets and TCP connections rejected, by reason")
                .tag("transport", transport.label()).tag("reason", reason.label())
                .register(registry)).increment();
    }

    /** Counts one UDP response withheld by rate limiting: {@code action} is "dropped" or "slipped". */
    public void rateLimited(String action) {
        counter("r|" + action, () -> Counter.builder("colmeia_dns_rate_limited_responses_total")
                .description("UDP responses limited by response rate limiting: dropped, or slipped (sent as TC)")
                .tag("action", action).register(registry)).increment();
    }

    /** Counts a TCP connection refused at accept: {@code reason} is "total_limit" or "client_limit". */
    public void tcpRejected(String reason) {
        counter("c|" + reason, () -> Counter.builder("colmeia_dns_tcp_connections_rejected_total")
                .description("TCP connections closed at accept because a connection limit was reached")
                .tag("reason", reason).register(registry)).increment();
    }

    /** Counts a response that could not be sent (socket full or closed). */
    public void sendFailed(Transport transport) {
        counter("s|" + transport, () -> Counter.builder("colmeia_dns_send_failures_total")
                .description("Responses that could not be sent (socket buffer full or peer gone)")
                .tag("transport", transport.label()).register(registry)).increment();
    }

    /** Counts an unexpected failure inside the server loop; it is logged and the server keeps serving. */
    public void internalError(Transport transport) {
        counter("e|" + transport, () -> Counter.builder("colmeia_dns_internal_errors_total")
                .description("Unexpected failures while handling a packet (logged; the server keeps serving)")
                .tag("transport", transport.label()).register(registry)).increment();
    }

    /** Registers a gauge of open TCP connections. */
    public void tcpConnections(Supplier<Number> open) {
        Gauge.builder("colmeia_dns_tcp_connections", () -> open.get().doubleValue())
                .description("TCP connections open now").register(registry);
    }

    /** Counts one health probe of an ingress node. */
    public void probe(String target, boolean healthy) {
        String result = healthy ? "ok" : "failed";
        counter("p|" + target + "|" + result, () -> Counter.builder("colmeia_dns_probes_total")
                .description("Health probes of ingress nodes, by target and result")
                .tag("target", target).tag("result", result).register(registry)).increment();
    }

    private static Map<Integer, Integer> indexOf(List<Integer> order) {
        Map<Integer, Integer> index = new java.util.HashMap<>();
        for (int i = 0; i < order.size(); i++) {
            index.put(order.get(i), i);
        }
        return Map.copyOf(index);
    }

    public static String typeLabel(int type) {
        if (type < 0) {
            return "none";
        }
        return NAMED_TYPES.contains(type) ? Type.string(type) : "other";
    }

    private Counter counter(String key, Supplier<Counter> create) {
        Counter c = counters.get(key);
        return c != null ? c : counters.computeIfAbsent(key, k -> create.get());
    }
}

package io.colmeia.dns.zone;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;

/**
 * The zone as it is answered right now: immutable data, rebuilt whenever the set of nodes to answer
 * changes and swapped in atomically. Holds every RRset by owner name (case-insensitive) and knows which
 * names exist only as ancestors of others (empty non-terminals: NODATA, not NXDOMAIN).
 */
public final class ZoneSnapshot {

    private static final long SOA_REFRESH = 3600;
    private static final long SOA_RETRY = 600;
    private static final long SOA_EXPIRE = 86_400;

    private final ZoneSpec spec;
    private final List<Endpoint> serving;
    private final SOARecord soa;
    private final Map<Name, Map<Integer, List<Record>>> data;
    private final Set<Name> existing;

    private ZoneSnapshot(ZoneSpec spec, List<Endpoint> serving, SOARecord soa,
                         Map<Name, Map<Integer, List<Record>>> data, Set<Name> existing) {
        this.spec = spec;
        this.serving = serving;
        this.soa = soa;
        this.data = data;
        this.existing = existing;
    }

    /**
     * Builds the zone answering {@code serving} for the service name (in this order before rotation);
     * the caller decides which nodes those are (the healthy ones, or all when none is healthy).
     */
    public static ZoneSnapshot build(ZoneSpec spec, List<Endpoint> serving) {
        List<Endpoint> nodes = List.copyOf(new LinkedHashSet<>(serving));
        Name origin = spec.origin();
        SOARecord soa = new SOARecord(origin, DClass.IN, spec.ttl(), spec.nsName(), spec.hostmaster(),
                spec.serial(), SOA_REFRESH, SOA_RETRY, SOA_EXPIRE, spec.ttl());
        Map<Name, Map<Integer, List<Record>>> data = new HashMap<>();
        add(data, soa);
        add(data, new NSRecord(origin, DClass.IN, spec.ttl(), spec.nsName()));
        for (InetAddress address : spec.nsAddresses()) {
            add(data, address(spec.nsName(), spec.ttl(), address));
        }
        Set<InetAddress> seen = new HashSet<>();
        for (Endpoint node : nodes) {
            if (seen.add(node.address())) {
                add(data, address(spec.serviceName(), spec.ttl(), node.address()));
            }
        }
        if (spec.srv()) {
            Set<Name> hosts = new HashSet<>();
            for (Endpoint node : nodes) {
                Name host = spec.nodeName(node);
                add(data, new SRVRecord(spec.srvName(), DClass.IN, spec.ttl(), 0, 1, node.port(), host));
                if (hosts.add(host)) {
                    add(data, address(host, spec.ttl(), node.address()));
                }
            }
        }
        for (Record record : spec.staticRecords()) {
            add(data, record);
        }
        Set<Name> existing = new HashSet<>();
        // The service name (and its SRV name) exist even with no node to answer: NODATA, never NXDOMAIN,
        // so that resolvers do not cache "this name does not exist".
        Set<Name> owners = new HashSet<>(data.keySet());
        owners.add(spec.serviceName());
        if (spec.srv()) {
            owners.add(spec.srvName());
        }
        for (Name name : owners) {
            for (int labels = name.labels(); labels >= origin.labels(); labels--) {
                existing.add(new Name(name, name.labels() - labels));
            }
        }
        Map<Name, Map<Integer, List<Record>>> frozen = new HashMap<>();
        data.forEach((name, sets) -> {
            Map<Integer, List<Record>> copy = new LinkedHashMap<>();
            sets.forEach((type, records) -> copy.put(type, List.copyOf(records)));
            frozen.put(name, Collections.unmodifiableMap(copy));
        });
        return new ZoneSnapshot(spec, nodes, soa, Map.copyOf(frozen), Set.copyOf(existing));
    }

    private static Record address(Name name, long ttl, InetAddress address) {
        if (address instanceof Inet4Address v4) {
            return new ARecord(name, DClass.IN, ttl, v4);
        }
        return new AAAARecord(name, DClass.IN, ttl, (Inet6Address) address);
    }

    private static void add(Map<Name, Map<Integer, List<Record>>> data, Record record) {
        List<Record> set = data.computeIfAbsent(record.getName(), n -> new LinkedHashMap<>())
                .computeIfAbsent(record.getType(), t -> new ArrayList<>());
        if (!set.contains(record)) {
            set.add(record);
        }
    }

    public ZoneSpec spec() {
        return spec;
    }

    public Name origin() {
        return spec.origin();
    }

    public SOARecord soa() {
        return soa;
    }

    /** The nodes the service name answers, in zone order (before per-query rotation). */
    public List<Endpoint> serving() {
        return serving;
    }

    /** True when {@code name} is inside this zone (the apex included). */
    public boolean contains(Name name) {
        return name.subdomain(spec.origin());
    }

    /** RRsets owned by {@code name} by type, in a stable order; empty when the name owns no data. */
    public Map<Integer, List<Record>> rrsets(Name name) {
        Map<Integer, List<Record>> sets = data.get(name);
        return sets == null ? Map.of() : sets;
    }

    /** True when the name owns data or has descendants that do (RFC 8020: then it is not NXDOMAIN). */
    public boolean exists(Name name) {
        return existing.contains(name);
    }
}

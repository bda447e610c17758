package io.colmeia.dns.zone;

import java.net.InetAddress;
import java.util.List;
import java.util.Objects;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;

/**
 * The static part of the zone, validated once at start: its origin, the service name whose A/AAAA
 * records are the healthy ingress nodes, the TTL of those records, the name server's own addresses,
 * whether SRV records are published, and extra records from configuration.
 *
 * @param origin        the zone apex, absolute (e.g. colmeia.internal.)
 * @param serviceName   the name devices resolve (e.g. mqtt.colmeia.internal.); inside the zone
 * @param ttl           TTL of the service records, and the negative-caching TTL (SOA minimum)
 * @param nsAddresses   addresses published for ns.&lt;origin&gt; (may be empty)
 * @param srv           publish _mqtt._tcp.&lt;origin&gt; SRV records and one host name per node
 * @param staticRecords further records, all inside the zone and not clashing with generated names
 * @param serial        SOA serial
 * @param maxAddresses  at most this many A (and AAAA, and SRV) records per answer for the service, taken in
 *                      rotated order, so that UDP answers stay small for resolvers that ignore TC (lwIP);
 *                      0 answers every node
 */
public record ZoneSpec(Name origin, Name serviceName, long ttl, List<InetAddress> nsAddresses, boolean srv,
                       List<Record> staticRecords, long serial, int maxAddresses) {

    /** Answers carry at most this many service addresses unless configured otherwise. */
    public static final int DEFAULT_MAX_ADDRESSES = 8;

    public ZoneSpec(Name origin, Name serviceName, long ttl, List<InetAddress> nsAddresses, boolean srv,
                    List<Record> staticRecords, long serial) {
        this(origin, serviceName, ttl, nsAddresses, srv, staticRecords, serial, DEFAULT_MAX_ADDRESSES);
    }

    /** Label under the origin holding one host name per node (SRV targets). */
    public static final String NODES_LABEL = "nodes";
    /** Label of the name server's own host name. */
    public static final String NS_LABEL = "ns";
    /** Largest TTL accepted (RFC 2181 §8 says 2^31-1; a day is plenty for this zone). */
    public static final long MAX_TTL = 86_400;

    public ZoneSpec {
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(serviceName, "serviceName");
        if (!origin.isAbsolute() || !serviceName.isAbsolute()) {
            throw new IllegalArgumentException("zone names must be absolute");
        }
        if (!serviceName.subdomain(origin)) {
            throw new IllegalArgumentException(serviceName + " is not inside the zone " + origin);
        }
        if (ttl < 0 || ttl > MAX_TTL) {
            throw new IllegalArgumentException("TTL " + ttl + " is outside 0.." + MAX_TTL);
        }
        if (maxAddresses < 0) {
            throw new IllegalArgumentException("max addresses must be 0 (all) or more");
        }
        nsAddresses = List.copyOf(nsAddresses);
        staticRecords = List.copyOf(staticRecords);
    }

    public Name nsName() {
        return child(NS_LABEL, origin);
    }

    public Name srvName() {
        return child("_mqtt", child("_tcp", origin));
    }

    public Name nodeName(Endpoint endpoint) {
        return child(endpoint.label(), child(NODES_LABEL, origin));
    }

    public Name hostmaster() {
        return child("hostmaster", origin);
    }

    /** True when a configured record would be hidden by or clash with a generated one. */
    public boolean isGeneratedName(Name name) {
        return name.equals(origin) || name.equals(serviceName) || name.equals(nsName())
                || name.equals(srvName()) || name.subdomain(child(NODES_LABEL, origin));
    }

    static Name child(String label, Name parent) {
        try {
            return Name.concatenate(Name.fromString(label), parent);
        } catch (org.xbill.DNS.TextParseException | org.xbill.DNS.NameTooLongException e) {
            throw new IllegalArgumentException("cannot make a name " + label + "." + parent + ": " + e.getMessage(), e);
        }
    }
}

package io.colmeia.dns;

import io.colmeia.common.config.HostPort;
import io.colmeia.dns.health.HealthChecker;
import io.colmeia.dns.health.Prober;
import io.colmeia.dns.ratelimit.ResponseRateLimiter;
import io.colmeia.dns.server.ServerSettings;
import io.colmeia.dns.zone.Endpoint;
import io.colmeia.dns.zone.ZoneSpec;
import java.net.InetSocketAddress;
import java.util.List;
import org.xbill.DNS.Name;

/**
 * The DNS server's configuration as a typed object, validated once by {@link DnsCommand}.
 *
 * @param nodeId          labels metrics and logs
 * @param http            address of /metrics, /health and /ready; null for none (tests)
 * @param zone            the zone to serve
 * @param server          sockets and TCP limits
 * @param ingress         fixed ingress nodes (may be empty when {@code ingressDns} is set)
 * @param ingressDns      a name resolved periodically for more ingress nodes, or null
 * @param ingressPort     the MQTT port of nodes found through {@code ingressDns}
 * @param ingressDnsServer the DNS server asked for {@code ingressDns}
 * @param probe           how nodes are probed
 * @param health          probe timing and thresholds
 * @param rateLimit       response rate limiting
 */
public record DnsConfig(String nodeId, HostPort http, ZoneSpec zone, ServerSettings server, List<Endpoint> ingress,
                        Name ingressDns, int ingressPort, InetSocketAddress ingressDnsServer, Prober.Kind probe,
                        HealthChecker.Settings health, ResponseRateLimiter.Settings rateLimit) {

    public DnsConfig {
        ingress = List.copyOf(ingress);
        if (ingress.isEmpty() && ingressDns == null) {
            throw new IllegalArgumentException("no ingress nodes: give a list or a name to resolve");
        }
    }
}

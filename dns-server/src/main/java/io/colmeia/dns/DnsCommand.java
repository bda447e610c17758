package io.colmeia.dns;

import io.colmeia.common.config.CommonOptions;
import io.colmeia.common.config.Converters;
import io.colmeia.common.config.HostPort;
import io.colmeia.common.config.InvalidConfigurationException;
import io.colmeia.common.lifecycle.ShutdownSignal;
import io.colmeia.common.logging.Logging;
import io.colmeia.dns.health.HealthChecker;
import io.colmeia.dns.health.Prober;
import io.colmeia.dns.ratelimit.ResponseRateLimiter;
import io.colmeia.dns.server.ServerSettings;
import io.colmeia.dns.zone.Endpoint;
import io.colmeia.dns.zone.StaticRecords;
import io.colmeia.dns.zone.ZoneSpec;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.xbill.DNS.Name;
import org.xbill.DNS.config.ResolvConfResolverConfigProvider;
import org.xbill.DNS.TextParseException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code colmeia dns}: runs the authoritative DNS server of the cluster until SIGTERM/SIGINT. */
@Command(name = "dns", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run the cluster's authoritative DNS server: the service name answers the healthy ingress"
                + " nodes, rotated on every query.")
public final class DnsCommand implements Callable<Integer> {

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    @Option(names = "--node-id", defaultValue = "dns-1", paramLabel = "ID",
            description = "This server's unique id; labels its metrics and logs (default: ${DEFAULT-VALUE}).")
    String nodeId;

    @Option(names = "--listen", defaultValue = "0.0.0.0:53", paramLabel = "HOST:PORT",
            converter = Converters.HostPortConverter.class,
            description = "DNS address, UDP and TCP (default: ${DEFAULT-VALUE}).")
    HostPort listen;

    @Option(names = "--http", defaultValue = "0.0.0.0:9100", paramLabel = "HOST:PORT",
            converter = Converters.HostPortConverter.class,
            description = "Address of /metrics, /health and /ready (default: ${DEFAULT-VALUE}).")
    HostPort http;

    @Option(names = "--zone", defaultValue = "colmeia.internal.", paramLabel = "DOMAIN",
            description = "The zone this server is authoritative for; names outside it are REFUSED"
                    + " (default: ${DEFAULT-VALUE}).")
    String zone;

    @Option(names = "--name", defaultValue = "mqtt", paramLabel = "NAME",
            description = "The service name devices resolve, relative to the zone unless it ends with a dot;"
                    + " it answers the healthy ingress nodes (default: ${DEFAULT-VALUE}).")
    String name;

    @Option(names = "--ingress", split = ",", paramLabel = "IP:PORT",
            converter = Converters.HostPortConverter.class,
            description = "Ingress nodes to answer and probe, comma-separated IP:PORT (IPv6 as [::1]:1883).")
    List<HostPort> ingress;

    @Option(names = "--ingress-dns", paramLabel = "NAME",
            description = "A name resolved again every --ingress-dns-interval for more ingress nodes (all its A"
                    + " and AAAA records), e.g. tasks.ingress in Docker Swarm.")
    String ingressDns;

    @Option(names = "--ingress-port", defaultValue = "1883", paramLabel = "PORT",
            description = "MQTT port of the nodes found through --ingress-dns (default: ${DEFAULT-VALUE}).")
    int ingressPort;

    @Option(names = "--ingress-dns-server", paramLabel = "HOST:PORT",
            converter = Converters.HostPortConverter.class,
            description = "DNS server asked for --ingress-dns (default: the first nameserver in"
                    + " /etc/resolv.conf).")
    HostPort ingressDnsServer;

    @Option(names = "--ingress-dns-interval", defaultValue = "10s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "How often --ingress-dns is resolved again (default: ${DEFAULT-VALUE}).")
    Duration ingressDnsInterval;

    @Option(names = "--probe", defaultValue = "mqtt", paramLabel = "KIND",
            description = "Health probe of each ingress node: mqtt (CONNECT answered by CONNACK accepted) or tcp"
                    + " (the port accepts a connection) (default: ${DEFAULT-VALUE}).")
    Prober.Kind probe;

    @Option(names = "--probe-interval", defaultValue = "2s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "Time between two probes of a node (default: ${DEFAULT-VALUE}).")
    Duration probeInterval;

    @Option(names = "--probe-timeout", defaultValue = "1s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "Time one probe may take before it counts as failed (default: ${DEFAULT-VALUE}).")
    Duration probeTimeout;

    @Option(names = "--probe-fall", defaultValue = "1", paramLabel = "N",
            description = "Failed probes in a row that take a node out of the answers (default: ${DEFAULT-VALUE}).")
    int probeFall;

    @Option(names = "--probe-rise", defaultValue = "1", paramLabel = "N",
            description = "Good probes in a row that bring a node back (default: ${DEFAULT-VALUE}).")
    int probeRise;

    @Option(names = "--ttl", defaultValue = "10s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "TTL of the service's records and of negative answers; devices resolve again after it"
                    + " (default: ${DEFAULT-VALUE}).")
    Duration ttl;

    @Option(names = "--max-addresses", defaultValue = "8", paramLabel = "N",
            description = "At most this many addresses per answer for the service name, in rotated order, so UDP"
                    + " answers stay small for devices that ignore truncation (ESP8266); 0 answers every node"
                    + " (default: ${DEFAULT-VALUE}).")
    int maxAddresses;

    @Option(names = "--srv", defaultValue = "false", paramLabel = "BOOLEAN", arity = "0..1",
            description = "Also publish _mqtt._tcp.<zone> SRV records (with each node's port) and one name per"
                    + " node under nodes.<zone> (default: ${DEFAULT-VALUE}).")
    boolean srv;

    @Option(names = "--record", split = ";", paramLabel = "RECORD",
            description = "An extra record in zone-file syntax, NAME [TTL] [IN] TYPE DATA, names relative to the"
                    + " zone (e.g. 'broker-1 A 127.0.1.1'); repeat the option or separate with ';'. Types: A, AAAA,"
                    + " CNAME, TXT, MX, SRV, PTR, CAA, HINFO.")
    List<String> records;

    @Option(names = "--ns-address", split = ",", paramLabel = "IP",
            description = "Address(es) published for ns.<zone>, the zone's name server (default: the --listen"
                    + " address when it is not a wildcard).")
    List<String> nsAddresses;

    @Option(names = "--rrl-responses-per-second", defaultValue = "100", paramLabel = "N",
            description = "Response rate limiting (UDP): identical responses per second to one client network"
                    + " (/24, /56); 0 turns it off (default: ${DEFAULT-VALUE}).")
    int rrlResponsesPerSecond;

    @Option(names = "--rrl-slip", defaultValue = "2", paramLabel = "N",
            description = "Every N-th rate-limited response is sent as a tiny truncated (TC) reply so real"
                    + " clients retry over TCP; the rest are dropped; 0 drops all (default: ${DEFAULT-VALUE}).")
    int rrlSlip;

    @Option(names = "--rrl-window", defaultValue = "15s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "Time over which response rates are averaged (default: ${DEFAULT-VALUE}).")
    Duration rrlWindow;

    @Option(names = "--tcp-max-connections", defaultValue = "256", paramLabel = "N",
            description = "TCP connections open at once (default: ${DEFAULT-VALUE}).")
    int tcpMaxConnections;

    @Option(names = "--tcp-max-connections-per-client", defaultValue = "16", paramLabel = "N",
            description = "TCP connections open at once from one client address (default: ${DEFAULT-VALUE}).")
    int tcpMaxConnectionsPerClient;

    @Option(names = "--tcp-idle-timeout", defaultValue = "10s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "A TCP connection that sends no complete query for this long is closed"
                    + " (default: ${DEFAULT-VALUE}).")
    Duration tcpIdleTimeout;

    @Mixin
    CommonOptions common = new CommonOptions();

    @Override
    public Integer call() throws Exception {
        Logging.configure(nodeId, common.logLevel);
        DnsService service = new DnsService(config());
        ShutdownSignal signal = new ShutdownSignal("dns " + nodeId, service::close);
        try {
            service.start();
        } catch (RuntimeException | InterruptedException e) {
            signal.cancel();
            service.close();
            throw e;
        }
        signal.await();
        return 0;
    }

    /** Validates every option once; a bad value throws {@link InvalidConfigurationException} naming it. */
    DnsConfig config() {
        if (nodeId == null || nodeId.isBlank()) {
            throw new InvalidConfigurationException("--node-id", "must not be empty");
        }
        Name origin = absoluteName("--zone", zone, Name.root);
        if (origin.equals(Name.root)) {
            throw new InvalidConfigurationException("--zone", "the root zone cannot be served");
        }
        Name service = absoluteName("--name", name, origin);
        if (!service.subdomain(origin) || service.equals(origin)) {
            throw new InvalidConfigurationException("--name", service + " must be a name inside the zone " + origin);
        }
        long ttlSeconds = ttl.toSeconds();
        if (ttl.toMillis() % 1000 != 0 || ttlSeconds > ZoneSpec.MAX_TTL) {
            throw new InvalidConfigurationException("--ttl", "must be whole seconds from 0s to " + ZoneSpec.MAX_TTL
                    + "s, got " + Converters.formatDuration(ttl));
        }
        List<InetAddress> ns = new ArrayList<>();
        if (nsAddresses != null && !nsAddresses.isEmpty()) {
            for (String a : nsAddresses) {
                ns.add(ipLiteral("--ns-address", a.trim()));
            }
        } else if (isLiteral(listen.host())) {
            InetAddress own = ipLiteral("--listen", listen.host());
            if (!own.isAnyLocalAddress()) {
                ns.add(own);
            }
        }
        ZoneSpec base = new ZoneSpec(origin, service, ttlSeconds, ns, srv, List.of(), System.currentTimeMillis() / 1000);
        List<org.xbill.DNS.Record> extra;
        try {
            extra = StaticRecords.parse(records == null ? List.of() : records, origin, ttlSeconds, base::isGeneratedName);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException("--record", e.getMessage());
        }
        if (srv && service.subdomain(base.srvName())) {
            throw new InvalidConfigurationException("--name", "must not be under _mqtt._tcp");
        }
        requireRange("--max-addresses", maxAddresses, 0, 1000);
        ZoneSpec spec = new ZoneSpec(origin, service, ttlSeconds, ns, srv, extra, base.serial(), maxAddresses);

        List<Endpoint> nodes = new ArrayList<>();
        for (HostPort hp : ingress == null ? List.<HostPort>of() : ingress) {
            nodes.add(new Endpoint(ipLiteral("--ingress", hp.host()), hp.port()));
        }
        Name discover = null;
        InetSocketAddress discoverServer = null;
        if (ingressDns != null && !ingressDns.isBlank()) {
            discover = absoluteName("--ingress-dns", ingressDns, Name.root);
            if (ingressPort < 1 || ingressPort > 65535) {
                throw new InvalidConfigurationException("--ingress-port", ingressPort + " is outside 1..65535");
            }
            discoverServer = ingressDnsServer != null ? resolvableServer(ingressDnsServer) : systemNameserver();
            requireAtLeast("--ingress-dns-interval", ingressDnsInterval, Duration.ofMillis(100));
        }
        if (nodes.isEmpty() && discover == null) {
            throw new InvalidConfigurationException("--ingress", "no ingress nodes: give --ingress IP:PORT,... and/or"
                    + " --ingress-dns NAME");
        }
        requireAtLeast("--probe-interval", probeInterval, Duration.ofMillis(100));
        requireAtLeast("--probe-timeout", probeTimeout, Duration.ofMillis(10));
        requireRange("--probe-fall", probeFall, 1, 100);
        requireRange("--probe-rise", probeRise, 1, 100);
        requireRange("--rrl-responses-per-second", rrlResponsesPerSecond, 0, 1_000_000);
        requireRange("--rrl-slip", rrlSlip, 0, 10);
        long window = rrlWindow.toSeconds();
        if (rrlWindow.toMillis() % 1000 != 0 || window < 1 || window > 3600) {
            throw new InvalidConfigurationException("--rrl-window", "must be whole seconds from 1s to 1h, got "
                    + Converters.formatDuration(rrlWindow));
        }
        requireRange("--tcp-max-connections", tcpMaxConnections, 1, 10_000);
        requireRange("--tcp-max-connections-per-client", tcpMaxConnectionsPerClient, 1, 10_000);
        requireAtLeast("--tcp-idle-timeout", tcpIdleTimeout, Duration.ofMillis(100));

        InetSocketAddress listenAddress = new InetSocketAddress(ipLiteral("--listen", listen.host()), listen.port());
        return new DnsConfig(nodeId, http, spec,
                new ServerSettings(listenAddress, tcpMaxConnections, tcpMaxConnectionsPerClient, tcpIdleTimeout),
                nodes, discover, ingressPort, discoverServer, probe,
                new HealthChecker.Settings(probeInterval, probeTimeout, probeRise, probeFall,
                        discover == null ? probeInterval : ingressDnsInterval),
                ResponseRateLimiter.Settings.of(rrlResponsesPerSecond, rrlSlip, (int) window));
    }

    private static Name absoluteName(String option, String text, Name origin) {
        if (text == null || text.isBlank()) {
            throw new InvalidConfigurationException(option, "must not be empty");
        }
        try {
            return Name.fromString(text.trim(), origin);
        } catch (TextParseException e) {
            throw new InvalidConfigurationException(option, "'" + text + "' is not a DNS name (" + e.getMessage() + ")");
        }
    }

    private static boolean isLiteral(String host) {
        return IPV4.matcher(host).matches() || host.indexOf(':') >= 0;
    }

    /** Parses an IP address without ever asking a resolver. */
    static InetAddress ipLiteral(String option, String host) {
        if (!isLiteral(host)) {
            throw new InvalidConfigurationException(option, "'" + host + "' is not an IP address"
                    + (option.equals("--ingress") ? "; use --ingress-dns for a name" : ""));
        }
        try {
            InetAddress address = InetAddress.getByName(host);
            if (IPV4.matcher(host).matches() && !(address instanceof Inet4Address)) {
                throw new IOException("not IPv4");
            }
            return address;
        } catch (IOException | RuntimeException e) {
            throw new InvalidConfigurationException(option, "'" + host + "' is not an IP address");
        }
    }

    private static InetSocketAddress resolvableServer(HostPort server) {
        return new InetSocketAddress(ipLiteral("--ingress-dns-server", server.host()), server.port());
    }

    private static InetSocketAddress systemNameserver() {
        try {
            ResolvConfResolverConfigProvider provider = new ResolvConfResolverConfigProvider();
            provider.initialize();
            if (!provider.servers().isEmpty()) {
                return provider.servers().get(0);
            }
        } catch (Exception e) {
            throw new InvalidConfigurationException("--ingress-dns-server", "cannot read /etc/resolv.conf ("
                    + e.getMessage() + "); give the server explicitly");
        }
        throw new InvalidConfigurationException("--ingress-dns-server", "/etc/resolv.conf names no nameserver; give"
                + " the server explicitly");
    }

    private static void requireAtLeast(String option, Duration value, Duration min) {
        if (value.compareTo(min) < 0) {
            throw new InvalidConfigurationException(option, "must be at least " + Converters.formatDuration(min)
                    + ", got " + Converters.formatDuration(value));
        }
    }

    private static void requireRange(String option, int value, int min, int max) {
        if (value < min || value > max) {
            throw new InvalidConfigurationException(option, value + " is outside " + min + ".." + max);
        }
    }
}

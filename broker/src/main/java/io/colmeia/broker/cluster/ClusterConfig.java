package io.colmeia.broker.cluster;

import io.colmeia.common.config.HostPort;
import io.colmeia.common.config.InvalidConfigurationException;
import java.time.Duration;
import java.util.List;

/**
 * How this replica joins the cluster. {@code listen == null} means standalone: no link listener, no peers.
 *
 * @param listen        where the cluster link listens (--cluster)
 * @param peers         static peer link addresses (--peers)
 * @param peersDns      a DNS name whose A/AAAA records are the peers (--peers-dns), or empty
 * @param peersPort     the link port of peers found by DNS; 0 = the port of {@code listen} (--peers-port)
 * @param dnsInterval   how often {@code peersDns} is resolved again (--peers-dns-interval)
 * @param heartbeat     a link sends a heartbeat after this much silence (--cluster-heartbeat)
 * @param timeout       a link silent for this long is considered failed (--cluster-timeout)
 * @param bufferSize    messages buffered per peer (unsent, or sent and not yet acknowledged) (--cluster-buffer)
 */
public record ClusterConfig(
        HostPort listen,
        List<HostPort> peers,
        String peersDns,
        int peersPort,
        Duration dnsInterval,
        Duration heartbeat,
        Duration timeout,
        int bufferSize) {

    public ClusterConfig {
        peers = List.copyOf(peers);
        peersDns = peersDns == null ? "" : peersDns.trim();
        if (listen == null && (!peers.isEmpty() || !peersDns.isEmpty())) {
            throw new InvalidConfigurationException("--cluster",
                    "is required with --peers or --peers-dns: peers need this replica's link address");
        }
        if (peersPort < 0 || peersPort > 65535) {
            throw new InvalidConfigurationException("--peers-port",
                    "must be 0 (same as --cluster) or 1..65535, got " + peersPort);
        }
        if (!peersDns.isEmpty() && !peersDns.matches("[A-Za-z0-9._-]{1,253}")) {
            throw new InvalidConfigurationException("--peers-dns", "'" + peersDns + "' is not a DNS name");
        }
        if (dnsInterval.compareTo(Duration.ofMillis(100)) < 0) {
            throw new InvalidConfigurationException("--peers-dns-interval", "must be at least 100ms");
        }
        if (heartbeat.compareTo(Duration.ofMillis(50)) < 0) {
            throw new InvalidConfigurationException("--cluster-heartbeat", "must be at least 50ms");
        }
        if (timeout.compareTo(heartbeat.multipliedBy(2)) < 0) {
            throw new InvalidConfigurationException("--cluster-timeout",
                    "must be at least twice --cluster-heartbeat (" + heartbeat.toMillis() + "ms), got "
                            + timeout.toMillis() + "ms");
        }
        if (bufferSize < 1) {
            throw new InvalidConfigurationException("--cluster-buffer", "must be at least 1, got " + bufferSize);
        }
        if (listen != null && peers.contains(listen)) {
            peers = peers.stream().filter(p -> !p.equals(listen)).toList(); // one list for every replica is fine
        }
    }

    public static ClusterConfig standalone() {
        return new ClusterConfig(null, List.of(), "", 0, Duration.ofSeconds(5), Duration.ofSeconds(1),
                Duration.ofSeconds(5), 100_000);
    }

    public boolean enabled() {
        return listen != null;
    }

    /** The link port of peers found through DNS. */
    public int dnsPeerPort() {
        return peersPort != 0 ? peersPort : listen.port();
    }
}

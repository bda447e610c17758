package io.colmeia.launcher.local;

import io.colmeia.broker.BrokerConfig;
import io.colmeia.common.config.HostPort;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Which processes a local cluster runs and with which arguments: broker replicas, ingress nodes in front of
 * them, and the DNS server answering with the ingress nodes. Pure: it decides, {@link UpCommand} starts.
 */
public final class ClusterPlan {

    /**
     * One process to start; {@code address} is what {@code status} shows in the role's contract field.
     * {@code program} is null for a colmeia component (run with this Java and classpath, {@code args} are its
     * subcommand and options); otherwise an outside program (Prometheus) run as {@code program args}, which
     * supervision starts once the colmeia processes are ready, since it watches them.
     */
    public record Planned(String role, String id, List<String> args, HostPort address, HostPort http,
                   List<HostPort> otherListens, Path log, Path data, Path program) {

        /** A colmeia component. */
        public Planned(String role, String id, List<String> args, HostPort address, HostPort http,
                       List<HostPort> otherListens, Path log, Path data) {
            this(role, id, args, address, http, otherListens, log, data, null);
        }

        /** An outside program rather than a colmeia component. */
        public boolean outsideProgram() {
            return program != null;
        }

        /** Every address this process will listen on, to check they are free before starting anything. */
        public List<HostPort> listens() {
            List<HostPort> all = new ArrayList<>(List.of(address, http));
            all.addAll(otherListens);
            return all;
        }

        ManagedProcess started(long pid, java.time.Instant processStart) {
            String a = address.toString();
            return new ManagedProcess(role, id, pid, processStart,
                    role.equals("broker") || role.equals("ingress") ? a : null,
                    http.toString(),
                    role.equals("dns") ? a : null,
                    role.equals("store") ? mongodbUri(address) : null,
                    log.toString(), data == null ? null : data.toString());
        }
    }

    /** The sizes and ports a user can choose with {@code colmeia up}. */
    public record Shape(int brokers, int brokerMqttPort, int clusterPort, int ingressNodes, int ingressMqttPort,
                 boolean dns, int dnsPort, boolean store, int storePort, int httpPort,
                 BrokerConfig.PersistenceMode brokerPersistence) {
    }

    /** The connection string clients of the embedded store use (it answers as replica set rs0). */
    static String mongodbUri(HostPort store) {
        return "mongodb://" + store + "/?replicaSet=" + STORE_REPLICA_SET;
    }

    static final String STORE_REPLICA_SET = "rs0";

    /**
     * JVM options of every ingress node, instead of the cluster's {@code --heap}: it keeps ~3 KiB of live heap
     * per relayed connection, and what costs RSS is the heap the JVM grows into and keeps (G1 grew a 384 MiB
     * heap's young generation to 7.4–11.5 KiB per idle connection; these give 4.6 KiB, docs/ingress.md). The
     * serial collector also has no concurrent threads competing with the relay for the cores. C1 only
     * (TieredStopAtLevel=1): the relay is a thin layer over system calls, C1's code relays at the same CPU per
     * message as C2's, and it is compiled within seconds where C2's compilations took the first ~15 s of full
     * load at 3 times the CPU per message on 2 shared cores.
     */
    public static final List<String> INGRESS_JVM_OPTIONS = List.of("-Xms64m", "-Xmx128m", "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1");

    /** The JVM options a planned colmeia component starts with: the cluster's, or the ingress's own. */
    static List<String> jvmOptions(Planned process, List<String> clusterOptions) {
        return process.role().equals("ingress") ? INGRESS_JVM_OPTIONS : clusterOptions;
    }

    private ClusterPlan() {
    }

    public static List<Planned> plan(Path dir, Shape shape) {
        List<Planned> plan = new ArrayList<>();
        if (shape.store()) {
            String id = "store-1";
            HostPort listen = new HostPort(LocalAddresses.store(), shape.storePort());
            HostPort http = new HostPort(LocalAddresses.store(), shape.httpPort());
            Path data = dir.resolve("data").resolve(id);
            plan.add(new Planned("store", id, List.of("store", "--node-id", id, "--listen", listen.toString(),
                    "--http", http.toString(), "--data-dir", data.toString(),
                    "--replica-set", STORE_REPLICA_SET), listen, http, List.of(), log(dir, id), data));
        }
        List<HostPort> links = new ArrayList<>();
        for (int i = 1; i <= shape.brokers(); i++) {
            links.add(new HostPort(LocalAddresses.broker(i), shape.clusterPort()));
        }
        List<HostPort> brokers = new ArrayList<>();
        for (int i = 1; i <= shape.brokers(); i++) {
            String id = "broker-" + i;
            HostPort mqtt = new HostPort(LocalAddresses.broker(i), shape.brokerMqttPort());
            HostPort http = new HostPort(LocalAddresses.broker(i), shape.httpPort());
            Path data = dir.resolve("data").resolve(id);
            brokers.add(mqtt);
            List<String> args = new ArrayList<>(List.of("broker", "--node-id", id, "--mqtt", mqtt.toString(),
                    "--http", http.toString(), "--data-dir", data.toString(),
                    "--persistence", shape.brokerPersistence().name()));
            if (shape.store()) {
                args.addAll(List.of("--mongodb-uri",
                        mongodbUri(new HostPort(LocalAddresses.store(), shape.storePort()))));
            } else {
                args.addAll(List.of("--telemetry", "off"));
            }
            if (shape.brokers() > 1) {
                args.addAll(List.of("--cluster", links.get(i - 1).toString(), "--peers", join(links)));
            }
            List<HostPort> extra = shape.brokers() > 1 ? List.of(links.get(i - 1)) : List.of();
            plan.add(new Planned("broker", id, List.copyOf(args), mqtt, http, extra, log(dir, id), data));
        }
        List<HostPort> ingress = new ArrayList<>();
        for (int i = 1; i <= shape.ingressNodes(); i++) {
            String id = "ingress-" + i;
            HostPort mqtt = new HostPort(LocalAddresses.ingress(i), shape.ingressMqttPort());
            HostPort http = new HostPort(LocalAddresses.ingress(i), shape.httpPort());
            ingress.add(mqtt);
            plan.add(new Planned("ingress", id, List.of("ingress", "--node-id", id, "--mqtt", mqtt.toString(),
                    "--http", http.toString(), "--replicas", join(brokers)), mqtt, http, List.of(), log(dir, id), null));
        }
        if (shape.dns()) {
            String id = "dns-1";
            HostPort listen = new HostPort(LocalAddresses.dns(), shape.dnsPort());
            HostPort http = new HostPort(LocalAddresses.dns(), shape.httpPort());
            List<HostPort> answered = ingress.isEmpty() ? brokers : ingress;
            plan.add(new Planned("dns", id, List.of("dns", "--node-id", id, "--listen", listen.toString(),
                    "--http", http.toString(), "--ingress", join(answered)), listen, http, List.of(), log(dir, id), null));
        }
        return plan;
    }

    /**
     * The same plan with an MQTT-over-TLS listener on {@code port} at every broker and ingress node's address;
     * {@code brokerArgs}/{@code ingressArgs} name their certificate files (see docs/security.md).
     */
    static List<Planned> withTls(List<Planned> plan, int port, List<String> brokerArgs, List<String> ingressArgs) {
        List<Planned> out = new ArrayList<>();
        for (Planned p : plan) {
            List<String> extra = p.role().equals("broker") ? brokerArgs
                    : p.role().equals("ingress") ? ingressArgs : null;
            if (extra == null) {
                out.add(p);
                continue;
            }
            HostPort tls = new HostPort(p.address().host(), port);
            List<String> args = new ArrayList<>(p.args());
            args.addAll(List.of("--mqtts", tls.toString()));
            args.addAll(extra);
            List<HostPort> listens = new ArrayList<>(p.otherListens());
            listens.add(tls);
            out.add(new Planned(p.role(), p.id(), List.copyOf(args), p.address(), p.http(), List.copyOf(listens),
                    p.log(), p.data()));
        }
        return out;
    }

    private static Path log(Path dir, String id) {
        return dir.resolve("logs").resolve(id + ".log");
    }

    private static String join(List<HostPort> addresses) {
        return addresses.stream().map(HostPort::toString).collect(Collectors.joining(","));
    }
}

package io.colmeia.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.colmeia.common.config.Converters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The services of the Swarm stack find each other the way the code expects, and stop the way it needs. */
class SwarmStackWiringTest {

    private static final Map<String, JsonNode> SERVICES = DeploymentFiles.swarmServices();
    private static final List<Workload> COLMEIA = DeploymentFiles.swarmWorkloads();

    @Test
    void brokerReplicasFindEachOtherThroughTasksDnsOnTheirClusterPort() {
        Workload broker = only("broker");
        assertThat(broker.environment().get("COLMEIA_PEERS_DNS")).isEqualTo("tasks." + broker.name());
        String cluster = ColmeiaSpec.effective("broker", broker.environment(), "--cluster");
        assertThat(cluster).as("--cluster (empty runs the replica standalone)").isNotBlank();
        int clusterPort = ColmeiaSpec.port("broker", broker.environment(), "--cluster");
        int peersPort = Integer.parseInt(ColmeiaSpec.effective("broker", broker.environment(), "--peers-port"));
        assertThat(peersPort).as("--peers-port (0 = the --cluster port)").isIn(0, clusterPort);
    }

    @Test
    void brokerServiceHasThreeReplicasWithoutVirtualIpAndRollsOneAtATime() {
        JsonNode deploy = SERVICES.get(only("broker").name()).path("deploy");
        assertThat(deploy.path("replicas").asInt()).isEqualTo(3);
        assertThat(deploy.path("endpoint_mode").asText()).isEqualTo("dnsrr");
        JsonNode update = deploy.path("update_config");
        assertThat(update.path("parallelism").asInt()).isEqualTo(1);
        assertThat(update.path("order").asText()).isEqualTo("stop-first");
        assertThat(duration(update.path("delay").asText("0s"))).isPositive();
        assertThat(duration(update.path("monitor").asText("0s"))).isPositive();
        assertThat(SERVICES.get(only("broker").name()).path("healthcheck").path("disable").asBoolean(false)).isFalse();
    }

    @Test
    void ingressRunsOnEveryNodeWithMqttPublishedOnTheNodeItself() {
        Workload ingress = only("ingress");
        JsonNode service = SERVICES.get(ingress.name());
        assertThat(service.path("deploy").path("mode").asText()).isEqualTo("global");
        int mqtt = ColmeiaSpec.port("ingress", ingress.environment(), "--mqtt");
        List<JsonNode> mqttPorts = new ArrayList<>();
        service.path("ports").forEach(p -> {
            if (p.path("target").asInt() == mqtt) {
                mqttPorts.add(p);
            }
        });
        assertThat(mqttPorts).as("published MQTT port of the ingress").hasSize(1);
        assertThat(mqttPorts.get(0).path("mode").asText()).as("publish mode (not the IPVS routing mesh)").isEqualTo("host");
        assertThat(mqttPorts.get(0).path("published").asInt()).as("published port = what the DNS server probes")
                .isEqualTo(mqtt);
    }

    @Test
    void ingressFindsTheBrokerReplicasOnTheirMqttPort() {
        Workload ingress = only("ingress");
        Workload broker = only("broker");
        assertThat(ingress.environment().get("COLMEIA_REPLICAS_DNS")).isEqualTo("tasks." + broker.name());
        assertThat(Integer.parseInt(ColmeiaSpec.effective("ingress", ingress.environment(), "--replicas-port")))
                .isEqualTo(ColmeiaSpec.port("broker", broker.environment(), "--mqtt"));
    }

    @Test
    void dnsServerAnswersTheIngressNodesAndPublishesPort53UdpAndTcpOnTheNode() {
        Workload dns = only("dns");
        Workload ingress = only("ingress");
        assertThat(dns.environment().get("COLMEIA_INGRESS_DNS")).isEqualTo("tasks." + ingress.name());
        assertThat(Integer.parseInt(ColmeiaSpec.effective("dns", dns.environment(), "--ingress-port")))
                .isEqualTo(ColmeiaSpec.port("ingress", ingress.environment(), "--mqtt"));
        int listen = ColmeiaSpec.port("dns", dns.environment(), "--listen");
        List<String> published = new ArrayList<>();
        SERVICES.get(dns.name()).path("ports").forEach(p -> {
            if (p.path("target").asInt() == listen && p.path("published").asInt() == 53
                    && p.path("mode").asText().equals("host")) {
                published.add(p.path("protocol").asText());
            }
        });
        assertThat(published).containsExactlyInAnyOrder("udp", "tcp");
    }

    @Test
    void stopGracePeriodsOutlastTheProcessesOwnShutdown() {
        for (Workload w : COLMEIA) {
            if (w.subcommand() == null || ColmeiaSpec.subcommand(w.subcommand()).isEmpty()) {
                continue; // reported by DeploymentMatchesCodeTest#everyColmeiaContainerRunsAnExistingSubcommand
            }
            Duration grace = duration(SERVICES.get(w.name()).path("stop_grace_period").asText("10s"));
            Duration needed = Duration.ZERO;
            for (String option : List.of("--shutdown-grace", "--drain-spread", "--persistence-shutdown-grace")) {
                if (hasOption(w.subcommand(), option)) {
                    needed = needed.plus(duration(ColmeiaSpec.effective(w.subcommand(), w.environment(), option)));
                }
            }
            assertThat(grace).as("%s: stop_grace_period versus its own shutdown time %s", w, needed)
                    .isGreaterThan(needed);
        }
    }

    @Test
    void everyServiceHasRestartPolicyAndMemoryLimit() {
        SERVICES.forEach((name, service) -> {
            JsonNode deploy = service.path("deploy");
            assertThat(deploy.path("restart_policy").path("condition").asText()).as("%s restart policy", name)
                    .isIn("any", "on-failure");
            assertThat(deploy.path("resources").path("limits").path("memory").asText()).as("%s memory limit", name)
                    .isNotBlank();
        });
    }

    @Test
    void brokersReadTheirUsersFromAnExternalSecretAndRefuseAnonymousClients() {
        Workload broker = only("broker");
        // on 0.0.0.0 the broker refuses clients without credentials unless told otherwise: never told so here
        assertThat(ColmeiaSpec.effective("broker", broker.environment(), "--mqtt")).startsWith("0.0.0.0:");
        assertThat(ColmeiaSpec.effective("broker", broker.environment(), "--allow-anonymous"))
                .as("--allow-anonymous of the stack's brokers").isNotEqualTo("always");
        String usersFile = ColmeiaSpec.effective("broker", broker.environment(), "--users-file");
        assertThat(usersFile).as("--users-file of the stack's brokers").startsWith("/run/secrets/");
        String secret = secretMountedAt(broker.name(), usersFile.substring("/run/secrets/".length()));
        assertThat(DeploymentFiles.stack().path("secrets").path(secret).path("external").asBoolean())
                .as("secret %s is external (created with docker secret create, never in the repository)", secret)
                .isTrue();
    }

    /** The source of the secret a service mounts at /run/secrets/target. */
    static String secretMountedAt(String service, String target) {
        for (JsonNode mount : DeploymentFiles.swarmServices().get(service).path("secrets")) {
            String source = mount.isTextual() ? mount.asText() : mount.path("source").asText();
            String mountTarget = mount.isTextual() ? source : mount.path("target").asText(source);
            if (mountTarget.equals(target)) {
                return source;
            }
        }
        throw new AssertionError("service " + service + " mounts no secret at /run/secrets/" + target);
    }

    @Test
    void brokersWriteToTheMongoReplicaSetOfTheStack() {
        Workload broker = only("broker");
        // the stack always sets the URI; whether `colmeia broker` reads it is checked (with every variable) by
        // DeploymentMatchesCodeTest#everyColmeiaVariableIsAnOptionOfTheSubcommandTheContainerRuns
        String uri = broker.environment().get("COLMEIA_MONGODB_URI");
        assertThat(uri).as("COLMEIA_MONGODB_URI of the broker").isNotBlank();
        Matcher m = Pattern.compile("mongodb://([^/?]+)/?\\??(.*)").matcher(uri);
        assertThat(m.matches()).as("URI %s", uri).isTrue();
        List<String> hosts = List.of(m.group(1).split(","));
        String replicaSet = Pattern.compile("(?:^|&)replicaSet=([^&]+)").matcher(m.group(2)).results()
                .map(r -> r.group(1)).findFirst().orElseThrow(() -> new AssertionError("no replicaSet in " + uri));
        assertThat(hosts).as("a 3-member replica set").hasSize(3);
        String init = Repo.read("deploy/mongo/mongo-init.js");
        for (String host : hosts) {
            String service = host.split(":")[0];
            JsonNode member = SERVICES.get(service);
            assertThat(member).as("mongo member %s is a service of the stack", service).isNotNull();
            assertThat(member.path("image").asText()).startsWith("mongo:");
            String command = String.join(" ", DeploymentFiles.texts(member.path("command")));
            assertThat(command).contains("--replSet " + replicaSet);
            assertThat(member.path("deploy").path("placement").path("constraints").size())
                    .as("%s pinned to a node (its volume lives there)", service).isPositive();
            assertThat(member.path("volumes").size()).as("%s volume", service).isPositive();
            assertThat(init).as("mongo-init.js names member %s", host).contains("\"" + host + "\"");
        }
        assertThat(init).contains("\"" + replicaSet + "\"").contains("replSetInitiate");
    }

    @Test
    void everyConfigFileExistsAndPrometheusLoadsTheMountedAlertRules() {
        Path stackDir = Repo.file(DeploymentFiles.STACK).getParent();
        DeploymentFiles.stack().path("configs").fields().forEachRemaining(e -> {
            Path file = stackDir.resolve(e.getValue().path("file").asText()).normalize();
            assertThat(Files.isRegularFile(file)).as("config %s file %s", e.getKey(), file).isTrue();
        });
        JsonNode prometheus = Optional.ofNullable(SERVICES.get("prometheus"))
                .orElseThrow(() -> new AssertionError("no prometheus service"));
        List<String> targets = new ArrayList<>();
        String configFile = null;
        for (JsonNode config : prometheus.path("configs")) {
            targets.add(config.path("target").asText());
            if (config.path("target").asText().equals("/etc/prometheus/prometheus.yml")) {
                configFile = DeploymentFiles.stack().path("configs").path(config.path("source").asText())
                        .path("file").asText();
            }
        }
        assertThat(configFile).as("prometheus.yml config").isNotNull();
        JsonNode promConfig = Repo.yaml(Repo.root().relativize(stackDir.resolve(configFile).normalize()).toString());
        for (JsonNode rule : promConfig.path("rule_files")) {
            assertThat(targets).as("rule file %s is mounted", rule.asText()).contains(rule.asText());
        }
        assertThat(promConfig.path("scrape_configs").findValues("dockerswarm_sd_configs")).isNotEmpty();
        // the network the relabelling keeps is the stack's network
        String network = DeploymentFiles.stack().path("networks").fields().next().getValue().path("name").asText();
        assertThat(DeploymentFiles.texts(promConfig)).contains(network);
    }

    private static Workload only(String role) {
        List<Workload> matching = COLMEIA.stream().filter(w -> role.equals(w.subcommand())).toList();
        assertThat(matching).as("swarm services running colmeia %s", role).hasSize(1);
        return matching.get(0);
    }

    private static boolean hasOption(String subcommand, String option) {
        return ColmeiaSpec.variables(subcommand).values().stream().anyMatch(o -> o.longestName().equals(option));
    }

    private static Duration duration(String text) {
        return Converters.parseDuration(text);
    }
}

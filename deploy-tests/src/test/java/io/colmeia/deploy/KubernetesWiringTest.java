package io.colmeia.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.colmeia.common.config.Converters;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The Kubernetes objects reference each other consistently and find each other the way the code expects. */
class KubernetesWiringTest {

    private static final List<JsonNode> OBJECTS = DeploymentFiles.kubernetesObjects();
    private static final List<Workload> COLMEIA = DeploymentFiles.kubernetesWorkloads();

    @Test
    void brokersAreAStatefulSetWhoseHeadlessServiceListsEveryPeer() {
        JsonNode set = workload("broker");
        assertThat(set.path("kind").asText()).isEqualTo("StatefulSet");
        JsonNode governing = service(set.path("spec").path("serviceName").asText());
        assertThat(governing.path("spec").path("clusterIP").asText()).as("peer service is headless").isEqualTo("None");
        assertThat(governing.path("spec").path("publishNotReadyAddresses").asBoolean())
                .as("starting replicas must find each other before they are ready").isTrue();
        assertSelects(governing, set);

        Workload broker = colmeia("broker");
        assertThat(ColmeiaSpec.effective("broker", broker.environment(), "--cluster")).isNotBlank();
        assertThat(serviceNamed(broker.environment().get("COLMEIA_PEERS_DNS"))).isEqualTo(
                governing.path("metadata").path("name").asText());
        int clusterPort = ColmeiaSpec.port("broker", broker.environment(), "--cluster");
        assertThat(Integer.parseInt(ColmeiaSpec.effective("broker", broker.environment(), "--peers-port")))
                .isIn(0, clusterPort);
    }

    @Test
    void ingressIsADaemonSetOnTheNodesPort1883FindingReadyBrokers() {
        JsonNode daemonSet = workload("ingress");
        assertThat(daemonSet.path("kind").asText()).isEqualTo("DaemonSet");
        Workload ingress = colmeia("ingress");
        int mqtt = ColmeiaSpec.port("ingress", ingress.environment(), "--mqtt");
        JsonNode container = daemonSet.path("spec").path("template").path("spec").path("containers").get(0);
        boolean onNode = false;
        for (JsonNode port : container.path("ports")) {
            if (port.path("containerPort").asInt() == mqtt && port.path("hostPort").asInt() == mqtt) {
                onNode = true;
            }
        }
        assertThat(onNode).as("hostPort %s for the MQTT listener", mqtt).isTrue();

        JsonNode replicas = service(serviceNamed(ingress.environment().get("COLMEIA_REPLICAS_DNS")));
        assertThat(replicas.path("spec").path("clusterIP").asText()).as("replica service is headless").isEqualTo("None");
        assertThat(replicas.path("spec").path("publishNotReadyAddresses").asBoolean(false))
                .as("the ingress should only see ready replicas").isFalse();
        assertSelects(replicas, workload("broker"));
        assertThat(Integer.parseInt(ColmeiaSpec.effective("ingress", ingress.environment(), "--replicas-port")))
                .isEqualTo(ColmeiaSpec.port("broker", colmeia("broker").environment(), "--mqtt"));
    }

    @Test
    void dnsIsADeploymentBehindOneServiceWithUdpAndTcp53AnsweringTheIngressNodes() {
        JsonNode deployment = workload("dns");
        assertThat(deployment.path("kind").asText()).isEqualTo("Deployment");
        Workload dns = colmeia("dns");
        JsonNode nodes = service(serviceNamed(dns.environment().get("COLMEIA_INGRESS_DNS")));
        assertThat(nodes.path("spec").path("clusterIP").asText()).isEqualTo("None");
        assertSelects(nodes, workload("ingress"));
        assertThat(Integer.parseInt(ColmeiaSpec.effective("dns", dns.environment(), "--ingress-port")))
                .isEqualTo(ColmeiaSpec.port("ingress", colmeia("ingress").environment(), "--mqtt"));

        List<String> protocols = new ArrayList<>();
        for (JsonNode object : OBJECTS) {
            if (object.path("kind").asText().equals("Service") && selects(object, deployment)) {
                for (JsonNode port : object.path("spec").path("ports")) {
                    if (port.path("port").asInt() == 53) {
                        protocols.add(port.path("protocol").asText());
                    }
                }
            }
        }
        assertThat(protocols).containsExactlyInAnyOrder("UDP", "TCP");
    }

    @Test
    void everyServiceSelectsAWorkloadAndTargetsPortsItDeclares() {
        for (JsonNode object : OBJECTS) {
            if (!object.path("kind").asText().equals("Service")) {
                continue;
            }
            String name = object.path("metadata").path("name").asText();
            List<JsonNode> selected = OBJECTS.stream().filter(DeploymentFiles::isWorkload)
                    .filter(w -> selects(object, w)).toList();
            assertThat(selected).as("workloads selected by Service %s", name).isNotEmpty();
            for (JsonNode port : object.path("spec").path("ports")) {
                JsonNode target = port.has("targetPort") ? port.path("targetPort") : port.path("port");
                for (JsonNode workload : selected) {
                    Set<String> declared = new HashSet<>();
                    for (JsonNode c : workload.path("spec").path("template").path("spec").path("containers")) {
                        for (JsonNode p : c.path("ports")) {
                            declared.add(p.path("name").asText() + "/" + p.path("protocol").asText("TCP"));
                            declared.add(p.path("containerPort").asText() + "/" + p.path("protocol").asText("TCP"));
                        }
                    }
                    assertThat(declared).as("Service %s port %s", name, port)
                            .contains(target.asText() + "/" + port.path("protocol").asText("TCP"));
                }
            }
        }
    }

    @Test
    void everyWorkloadSelectsItsOwnPodsAndNamesItsPortsValidly() {
        // what the API server would refuse at apply time
        for (JsonNode object : OBJECTS) {
            if (!DeploymentFiles.isWorkload(object)) {
                continue;
            }
            String name = object.path("kind").asText() + "/" + object.path("metadata").path("name").asText();
            assertThat(matches(object.path("spec").path("selector").path("matchLabels"), podLabels(object)))
                    .as("%s selector matches its pod template labels", name).isTrue();
            Set<String> portNames = new HashSet<>();
            for (JsonNode container : object.path("spec").path("template").path("spec").path("containers")) {
                for (JsonNode port : container.path("ports")) {
                    String portName = port.path("name").asText();
                    assertThat(portName).as("%s port name (IANA_SVC_NAME)", name)
                            .matches("(?=.*[a-z])[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?");
                    assertThat(portNames.add(portName)).as("%s port name %s is unique", name, portName).isTrue();
                }
            }
        }
    }

    @Test
    void everyColmeiaWorkloadHasADisruptionBudget() {
        for (Workload w : COLMEIA) {
            JsonNode workload = workload(w.subcommand());
            boolean covered = OBJECTS.stream()
                    .filter(o -> o.path("kind").asText().equals("PodDisruptionBudget"))
                    .anyMatch(pdb -> matches(pdb.path("spec").path("selector").path("matchLabels"), podLabels(workload)));
            assertThat(covered).as("%s has a PodDisruptionBudget", w).isTrue();
        }
    }

    @Test
    void terminationGracePeriodsOutlastTheProcessesOwnShutdown() {
        for (Workload w : COLMEIA) {
            if (w.subcommand() == null || ColmeiaSpec.subcommand(w.subcommand()).isEmpty()) {
                continue; // reported by DeploymentMatchesCodeTest#everyColmeiaContainerRunsAnExistingSubcommand
            }
            JsonNode workload = workload(w.subcommand());
            Duration grace = Duration.ofSeconds(workload.path("spec").path("template").path("spec")
                    .path("terminationGracePeriodSeconds").asLong(30));
            Duration needed = Duration.ZERO;
            for (String option : List.of("--shutdown-grace", "--drain-spread", "--persistence-shutdown-grace")) {
                if (ColmeiaSpec.variables(w.subcommand()).values().stream().anyMatch(o -> o.longestName().equals(option))) {
                    needed = needed.plus(Converters.parseDuration(
                            ColmeiaSpec.effective(w.subcommand(), w.environment(), option)));
                }
            }
            assertThat(grace).as("%s terminationGracePeriodSeconds versus %s", w, needed).isGreaterThan(needed);
        }
    }

    @Test
    void brokersReadTheMongoUriFromASecretDocumentedByExample() {
        Workload broker = colmeia("broker");
        assertThat(broker.variables()).contains("COLMEIA_MONGODB_URI");
        assertThat(broker.environment()).as("the URI (with credentials) comes from a Secret, not a literal")
                .doesNotContainKey("COLMEIA_MONGODB_URI");
        JsonNode example = secret("colmeia-mongodb");
        assertThat(example.path("stringData").path("uri").asText()).contains("replicaSet=");
    }

    @Test
    void brokersReadTheirUsersFromASecretMountedAsADirectory() throws Exception {
        Workload broker = colmeia("broker");
        assertThat(ColmeiaSpec.effective("broker", broker.environment(), "--mqtt")).startsWith("0.0.0.0:");
        assertThat(ColmeiaSpec.effective("broker", broker.environment(), "--allow-anonymous"))
                .as("--allow-anonymous of the brokers").isNotEqualTo("always");
        String usersFile = ColmeiaSpec.effective("broker", broker.environment(), "--users-file");
        assertThat(usersFile).as("--users-file of the brokers").isNotBlank();
        JsonNode pod = workload("broker").path("spec").path("template").path("spec");
        JsonNode container = null;
        for (JsonNode c : pod.path("containers")) {
            if (c.path("args").toString().contains("\"broker\"")) {
                container = c;
            }
        }
        assertThat(container).as("the broker container").isNotNull();
        JsonNode mount = null;
        for (JsonNode m : container.path("volumeMounts")) {
            if (usersFile.startsWith(m.path("mountPath").asText() + "/")) {
                mount = m;
            }
        }
        assertThat(mount).as("a volume mounted above %s", usersFile).isNotNull();
        // with subPath the kubelet never updates the file, and the brokers would not see a rotation
        assertThat(mount.has("subPath")).as("users volume mounted with subPath").isFalse();
        String key = usersFile.substring(mount.path("mountPath").asText().length() + 1);
        String volumeName = mount.path("name").asText();
        JsonNode volume = null;
        for (JsonNode v : pod.path("volumes")) {
            if (v.path("name").asText().equals(volumeName)) {
                volume = v;
            }
        }
        assertThat(volume).as("volume %s", volumeName).isNotNull();
        String secretName = volume.path("secret").path("secretName").asText();
        assertThat(secretName).as("volume %s is a Secret", volumeName).isNotBlank();
        // the example Secret has the key the broker reads, holding a users file with a subscriber (Node-RED)
        JsonNode users = Repo.JSON.readTree(secret(secretName).path("stringData").path(key).asText());
        List<String> roles = users.path("users").findValuesAsText("role");
        assertThat(roles).contains("device", "subscriber");
        // password hashes are not in the kustomization: the Secret is created by hand (docs/deploy.md)
        assertThat(Repo.read("deploy/kubernetes/kustomization.yaml")).doesNotContain("secret.example");
    }

    private static JsonNode secret(String name) {
        return OBJECTS.stream().filter(o -> o.path("kind").asText().equals("Secret")
                        && o.path("metadata").path("name").asText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no example Secret named " + name + " in deploy/kubernetes"));
    }

    @Test
    void podMonitorScrapesTheStatusPortOfEveryColmeiaPodOnTheMetricsPath() throws Exception {
        JsonNode monitor = OBJECTS.stream().filter(o -> o.path("kind").asText().equals("PodMonitor")).findFirst()
                .orElseThrow(() -> new AssertionError("no PodMonitor (Prometheus Operator) in deploy/kubernetes"));
        JsonNode endpoint = monitor.path("spec").path("podMetricsEndpoints").get(0);
        try (StatusEndpoint status = new StatusEndpoint()) {
            assertThat(status.isMetricsPath(endpoint.path("path").asText())).isTrue();
        }
        for (Workload w : COLMEIA) {
            JsonNode workload = workload(w.subcommand());
            assertThat(matches(monitor.path("spec").path("selector").path("matchLabels"), podLabels(workload)))
                    .as("PodMonitor selects %s", w).isTrue();
            assertThat(w.ports()).as("%s has the port the PodMonitor scrapes", w)
                    .anyMatch(p -> endpoint.path("port").asText().equals(p.name()));
            if (ColmeiaSpec.subcommand(w.subcommand()).isPresent()) {
                int port = w.ports().stream().filter(p -> endpoint.path("port").asText().equals(p.name()))
                        .findFirst().orElseThrow().number();
                assertThat(port).isEqualTo(ColmeiaSpec.port(w.subcommand(), w.environment(), "--http"));
            }
        }
    }

    // ---- helpers ----

    /** The service a DNS name refers to: "svc", "svc.ns", "svc.ns.svc.cluster.local". */
    private static String serviceNamed(String dnsName) {
        assertThat(dnsName).as("a DNS name of a Service").isNotBlank();
        return dnsName.split("\\.")[0];
    }

    private static JsonNode service(String name) {
        return OBJECTS.stream()
                .filter(o -> o.path("kind").asText().equals("Service") && o.path("metadata").path("name").asText().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("no Service named " + name));
    }

    private static JsonNode workload(String role) {
        Workload w = colmeia(role);
        return OBJECTS.stream().filter(DeploymentFiles::isWorkload)
                .filter(o -> o.path("metadata").path("name").asText().equals(w.name()))
                .findFirst().orElseThrow();
    }

    private static Workload colmeia(String role) {
        List<Workload> matching = COLMEIA.stream().filter(w -> role.equals(w.subcommand())).toList();
        assertThat(matching).as("Kubernetes containers running colmeia %s", role).hasSize(1);
        return matching.get(0);
    }

    private static void assertSelects(JsonNode service, JsonNode workload) {
        assertThat(selects(service, workload)).as("Service %s selects the pods of %s",
                service.path("metadata").path("name").asText(), workload.path("metadata").path("name").asText()).isTrue();
    }

    private static boolean selects(JsonNode service, JsonNode workload) {
        JsonNode selector = service.path("spec").path("selector");
        return selector.size() > 0 && matches(selector, podLabels(workload))
                && namespace(service).equals(namespace(workload));
    }

    private static String namespace(JsonNode object) {
        return object.path("metadata").path("namespace").asText("default");
    }

    private static JsonNode podLabels(JsonNode workload) {
        return workload.path("spec").path("template").path("metadata").path("labels");
    }

    private static boolean matches(JsonNode selector, JsonNode labels) {
        if (selector.size() == 0) {
            return false;
        }
        for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) selector::fields) {
            if (!e.getValue().asText().equals(labels.path(e.getKey()).asText(null))) {
                return false;
            }
        }
        return true;
    }
}

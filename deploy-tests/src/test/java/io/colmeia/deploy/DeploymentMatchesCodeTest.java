package io.colmeia.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.colmeia.common.config.EnvironmentDefaults;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The Swarm stack and the Kubernetes manifests against the code: roles, variables, ports, paths and images
 * are checked against the picocli spec of {@code colmeia} and the real status endpoint, never against a list
 * kept in this test.
 */
class DeploymentMatchesCodeTest {

    private static final List<Workload> WORKLOADS = DeploymentFiles.allWorkloads();

    @Test
    void bothFilesDescribeTheBrokerTheIngressAndTheDnsServer() {
        for (String source : List.of("swarm", "kubernetes")) {
            Set<String> roles = WORKLOADS.stream()
                    .filter(w -> w.where().startsWith(source))
                    .map(Workload::subcommand)
                    .collect(Collectors.toCollection(TreeSet::new));
            assertThat(roles).as("roles run by the %s files", source).contains("broker", "ingress", "dns");
        }
    }

    @Test
    void everyColmeiaContainerRunsAnExistingSubcommand() {
        Set<String> subcommands = ColmeiaSpec.subcommands();
        List<String> problems = new ArrayList<>();
        for (Workload w : WORKLOADS) {
            if (w.subcommand() == null) {
                problems.add(w + ": gives no subcommand (say the role explicitly)");
            } else if (!subcommands.contains(w.subcommand())) {
                problems.add(w + ": runs 'colmeia " + w.subcommand() + "', but colmeia has only " + subcommands);
            }
        }
        assertThat(problems).as("containers running something colmeia cannot run").isEmpty();
    }

    @Test
    void everyColmeiaVariableIsAnOptionOfTheSubcommandTheContainerRuns() {
        assertThat(unknownVariables(WORKLOADS)).as("variables no option reads (they would be silently ignored)")
                .isEmpty();
    }

    @Test
    void aVariableNoOptionReadsIsReported() {
        // the check above can fail: the broker container with one made-up variable more
        Workload broker = WORKLOADS.stream().filter(w -> "broker".equals(w.subcommand())).findFirst().orElseThrow();
        Set<String> variables = new TreeSet<>(broker.variables());
        variables.add("COLMEIA_NO_SUCH_OPTION");
        Workload bad = new Workload(broker.where(), broker.name(), broker.image(), broker.subcommand(),
                broker.environment(), variables, broker.ports(), broker.probes(), broker.scrape());
        assertThat(unknownVariables(List.of(bad))).anyMatch(p -> p.contains("COLMEIA_NO_SUCH_OPTION"));
    }

    static List<String> unknownVariables(List<Workload> workloads) {
        List<String> problems = new ArrayList<>();
        for (Workload w : workloads) {
            if (w.subcommand() == null || ColmeiaSpec.subcommand(w.subcommand()).isEmpty()) {
                continue; // reported by everyColmeiaContainerRunsAnExistingSubcommand
            }
            Map<String, OptionSpec> options = ColmeiaSpec.variables(w.subcommand());
            for (String variable : w.variables()) {
                if (variable.startsWith(EnvironmentDefaults.PREFIX) && !options.containsKey(variable)) {
                    problems.add(w + ": sets " + variable + ", but 'colmeia " + w.subcommand()
                            + "' has no option for it");
                }
            }
        }
        return problems;
    }

    @Test
    void everyColmeiaValueIsAcceptedByItsOption() {
        List<String> problems = new ArrayList<>();
        for (Workload w : WORKLOADS) {
            if (w.subcommand() == null || ColmeiaSpec.subcommand(w.subcommand()).isEmpty()) {
                continue;
            }
            try {
                ColmeiaSpec.parse(w.subcommand(), w.environment());
            } catch (CommandLine.ParameterException e) {
                problems.add(w + ": " + e.getMessage());
            }
        }
        assertThat(problems).as("values the command would refuse at start").isEmpty();
    }

    @Test
    void everyDeclaredPortIsAPortTheProcessListensOn() {
        assertThat(portsNothingListensOn(runnable())).isEmpty();
    }

    @Test
    void aPortNothingListensOnIsReported() {
        Workload broker = runnable().stream().filter(w -> "broker".equals(w.subcommand())).findFirst().orElseThrow();
        List<Workload.Port> ports = new ArrayList<>(broker.ports());
        ports.add(new Workload.Port(null, 1, "TCP"));
        Workload bad = new Workload(broker.where(), broker.name(), broker.image(), broker.subcommand(),
                broker.environment(), broker.variables(), ports, broker.probes(), broker.scrape());
        assertThat(portsNothingListensOn(List.of(bad))).anyMatch(p -> p.contains("declares port 1/TCP"));
    }

    static List<String> portsNothingListensOn(List<Workload> workloads) {
        List<String> problems = new ArrayList<>();
        for (Workload w : workloads) {
            Map<String, Integer> listening = ColmeiaSpec.listeningPorts(w.subcommand(), w.environment());
            if (listening.isEmpty()) {
                problems.add(w + ": listens nowhere");
            }
            for (Workload.Port port : w.ports()) {
                if (!listening.containsValue(port.number())) {
                    problems.add(w + ": declares port " + port.number() + "/" + port.protocol()
                            + ", but the process listens on " + listening);
                }
            }
        }
        return problems;
    }

    @Test
    void kubernetesNamedPortsAreTheOptionsOfTheSameName() {
        // a port named http is --http; mqtt is --mqtt; cluster is --cluster; dns-udp/dns-tcp are --listen of dns
        List<String> problems = new ArrayList<>();
        for (Workload w : runnable()) {
            for (Workload.Port port : w.ports()) {
                if (port.name() == null) {
                    continue;
                }
                String option = port.name().startsWith("dns-") ? "--listen" : "--" + port.name();
                boolean known = ColmeiaSpec.variables(w.subcommand()).values().stream()
                        .anyMatch(o -> o.longestName().equals(option));
                if (!known) {
                    problems.add(w + ": port named " + port.name() + " has no option " + option);
                    continue;
                }
                int expected = ColmeiaSpec.port(w.subcommand(), w.environment(), option);
                if (expected != port.number()) {
                    problems.add(w + ": port " + port.name() + " is " + port.number() + " but " + option + " is "
                            + ColmeiaSpec.effective(w.subcommand(), w.environment(), option));
                }
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void probesHitTheStatusPortWithTheRightPaths() throws Exception {
        List<String> problems = new ArrayList<>();
        try (StatusEndpoint endpoint = new StatusEndpoint()) {
            for (Workload w : runnable()) {
                if (w.where().startsWith("kubernetes")) {
                    Set<String> kinds = w.probes().stream().map(Workload.Probe::kind).collect(Collectors.toSet());
                    if (!kinds.containsAll(Set.of("readiness", "liveness"))) {
                        problems.add(w + ": needs a readiness and a liveness probe, has " + kinds);
                    }
                }
                int http = ColmeiaSpec.port(w.subcommand(), w.environment(), "--http");
                for (Workload.Probe probe : w.probes()) {
                    if (probe.port() != http) {
                        problems.add(w + ": " + probe.kind() + " probe on port " + probe.port()
                                + ", but --http listens on " + http);
                    }
                    boolean right = probe.kind().equals("readiness")
                            ? endpoint.isReadinessPath(probe.path())
                            : endpoint.isLivenessPath(probe.path());
                    if (!right) {
                        problems.add(w + ": " + probe.kind() + " probe path " + probe.path() + " does not behave as a "
                                + probe.kind() + " path of the status endpoint");
                    }
                }
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void prometheusScrapesEveryColmeiaProcessOnItsMetricsPath() throws Exception {
        List<String> problems = new ArrayList<>();
        try (StatusEndpoint endpoint = new StatusEndpoint()) {
            for (Workload w : runnable()) {
                if (w.scrape().isEmpty()) {
                    problems.add(w + ": not marked for scraping (prometheus.io/scrape: \"true\")");
                    continue;
                }
                Workload.Scrape scrape = w.scrape().get();
                int http = ColmeiaSpec.port(w.subcommand(), w.environment(), "--http");
                if (scrape.port() != http) {
                    problems.add(w + ": scraped on port " + scrape.port() + ", but --http listens on " + http);
                }
                if (!endpoint.isMetricsPath(scrape.path())) {
                    problems.add(w + ": scrape path " + scrape.path() + " does not serve Prometheus text");
                }
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void everyColmeiaContainerUsesTheSameImageTaggedWithTheProjectVersion() {
        TreeSet<String> images = WORKLOADS.stream().map(Workload::image).collect(Collectors.toCollection(TreeSet::new));
        assertThat(images).as("colmeia images across the stack and the manifests").hasSize(1);
        String image = images.first();
        assertThat(DeploymentFiles.tag(image)).as("tag of %s", image).isEqualTo(Repo.projectVersion());

        var kustomization = Repo.yaml(DeploymentFiles.KUBERNETES + "/kustomization.yaml");
        List<String> overridden = new ArrayList<>();
        for (var entry : kustomization.path("images")) {
            if (entry.path("name").asText().equals(DeploymentFiles.repository(image))) {
                overridden.add(entry.path("newTag").asText());
            }
        }
        assertThat(overridden).as("kustomization image tags for %s", DeploymentFiles.repository(image))
                .allMatch(tag -> tag.equals(Repo.projectVersion()));

        assertThat(Repo.read("docs/deploy.md")).as("docs/deploy.md builds and names the same image")
                .contains("-t " + image);
    }

    private static List<Workload> runnable() {
        return WORKLOADS.stream()
                .filter(w -> w.subcommand() != null && ColmeiaSpec.subcommand(w.subcommand()).isPresent())
                .toList();
    }
}

package io.colmeia.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/** Reads deploy/swarm/docker-stack.yml and deploy/kubernetes/*.yaml into {@link Workload}s. */
final class DeploymentFiles {

    static final String STACK = "deploy/swarm/docker-stack.yml";
    static final String KUBERNETES = "deploy/kubernetes";

    private DeploymentFiles() {
    }

    /** True when the image is a colmeia image (its repository's last path segment is "colmeia"). */
    static boolean isColmeiaImage(String image) {
        String repository = repository(image);
        return repository.equals("colmeia") || repository.endsWith("/colmeia");
    }

    static String repository(String image) {
        int slash = image.lastIndexOf('/');
        int colon = image.lastIndexOf(':');
        return colon > slash ? image.substring(0, colon) : image;
    }

    static String tag(String image) {
        int slash = image.lastIndexOf('/');
        int colon = image.lastIndexOf(':');
        return colon > slash ? image.substring(colon + 1) : "latest";
    }

    // ---- Swarm ----

    static JsonNode stack() {
        return Repo.yaml(STACK);
    }

    /** Every service of the stack, by name. */
    static Map<String, JsonNode> swarmServices() {
        Map<String, JsonNode> services = new LinkedHashMap<>();
        stack().path("services").fields().forEachRemaining(e -> services.put(e.getKey(), e.getValue()));
        if (services.isEmpty()) {
            throw new AssertionError(STACK + " has no services");
        }
        return services;
    }

    static List<Workload> swarmWorkloads() {
        List<Workload> workloads = new ArrayList<>();
        swarmServices().forEach((name, service) -> {
            String image = Repo.interpolateDefaults(service.path("image").asText(""));
            if (!isColmeiaImage(image)) {
                return;
            }
            Map<String, String> environment = new LinkedHashMap<>();
            JsonNode env = service.path("environment");
            if (env.isObject()) {
                env.fields().forEachRemaining(e -> environment.put(e.getKey(), Repo.interpolateDefaults(e.getValue().asText())));
            } else if (env.isArray()) {
                for (JsonNode item : env) {
                    String text = item.asText();
                    int eq = text.indexOf('=');
                    environment.put(eq < 0 ? text : text.substring(0, eq),
                            eq < 0 ? "" : Repo.interpolateDefaults(text.substring(eq + 1)));
                }
            }
            List<Workload.Port> ports = new ArrayList<>();
            for (JsonNode port : service.path("ports")) {
                if (!port.isObject()) {
                    throw new AssertionError("swarm service " + name + ": write ports in the long syntax"
                            + " (target/published/protocol/mode), got " + port);
                }
                ports.add(new Workload.Port(null, port.path("target").asInt(), port.path("protocol").asText("tcp")));
            }
            JsonNode labels = service.path("deploy").path("labels");
            Optional<Workload.Scrape> scrape = Optional.empty();
            if ("true".equals(labels.path("prometheus.io/scrape").asText())) {
                scrape = Optional.of(new Workload.Scrape(labels.path("prometheus.io/path").asText("/metrics"),
                        labels.path("prometheus.io/port").asInt(-1)));
            }
            workloads.add(new Workload("swarm service " + name, name, image, firstArgument(service.path("command")),
                    environment, Set.copyOf(environment.keySet()), ports, List.of(), scrape));
        });
        return workloads;
    }

    // ---- Kubernetes ----

    static List<Path> kubernetesFiles() {
        Path dir = Repo.root().resolve(KUBERNETES);
        try (Stream<Path> files = Files.walk(dir)) {
            List<Path> list = files.filter(Files::isRegularFile)
                    .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                    .sorted()
                    .toList();
            if (list.isEmpty()) {
                throw new AssertionError("no Kubernetes manifests in " + dir);
            }
            return list;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every Kubernetes object in deploy/kubernetes (all files, all documents). */
    static List<JsonNode> kubernetesObjects() {
        List<JsonNode> objects = new ArrayList<>();
        for (Path file : kubernetesFiles()) {
            for (JsonNode doc : Repo.yamlDocuments(file)) {
                if (!doc.hasNonNull("kind") || !doc.hasNonNull("apiVersion")) {
                    throw new AssertionError(Repo.root().relativize(file) + ": a document without kind/apiVersion: "
                            + doc);
                }
                objects.add(doc);
            }
        }
        return objects;
    }

    static boolean isWorkload(JsonNode object) {
        return switch (object.path("kind").asText()) {
            case "Deployment", "StatefulSet", "DaemonSet" -> true;
            default -> false;
        };
    }

    static List<Workload> kubernetesWorkloads() {
        List<Workload> workloads = new ArrayList<>();
        for (JsonNode object : kubernetesObjects()) {
            if (!isWorkload(object)) {
                continue;
            }
            String workloadName = object.path("kind").asText() + "/" + object.path("metadata").path("name").asText();
            JsonNode pod = object.path("spec").path("template");
            JsonNode annotations = pod.path("metadata").path("annotations");
            for (JsonNode container : pod.path("spec").path("containers")) {
                String image = container.path("image").asText("");
                if (!isColmeiaImage(image)) {
                    continue;
                }
                Map<String, String> environment = new LinkedHashMap<>();
                Set<String> variables = new LinkedHashSet<>();
                for (JsonNode env : container.path("env")) {
                    String name = env.path("name").asText();
                    variables.add(name);
                    if (env.has("value")) {
                        environment.put(name, env.path("value").asText());
                    }
                }
                List<Workload.Port> ports = new ArrayList<>();
                Map<String, Integer> byName = new LinkedHashMap<>();
                for (JsonNode port : container.path("ports")) {
                    String portName = port.hasNonNull("name") ? port.path("name").asText() : null;
                    int number = port.path("containerPort").asInt();
                    ports.add(new Workload.Port(portName, number, port.path("protocol").asText("TCP")));
                    if (portName != null) {
                        byName.put(portName, number);
                    }
                }
                String where = "kubernetes " + workloadName + " container " + container.path("name").asText();
                List<Workload.Probe> probes = new ArrayList<>();
                for (String kind : List.of("readiness", "liveness", "startup")) {
                    JsonNode probe = container.path(kind + "Probe");
                    if (probe.isMissingNode()) {
                        continue;
                    }
                    JsonNode get = probe.path("httpGet");
                    if (get.isMissingNode()) {
                        throw new AssertionError(where + ": " + kind + "Probe is not an httpGet probe");
                    }
                    probes.add(new Workload.Probe(kind, get.path("path").asText(),
                            portNumber(where, get.path("port"), byName)));
                }
                Optional<Workload.Scrape> scrape = Optional.empty();
                if ("true".equals(annotations.path("prometheus.io/scrape").asText())) {
                    scrape = Optional.of(new Workload.Scrape(annotations.path("prometheus.io/path").asText("/metrics"),
                            annotations.path("prometheus.io/port").asInt(-1)));
                }
                JsonNode args = container.has("command") ? container.path("command") : container.path("args");
                workloads.add(new Workload(where, object.path("metadata").path("name").asText(), image,
                        firstArgument(args), environment, variables, ports, probes, scrape));
            }
        }
        return workloads;
    }

    /** A port given by number or by the name of a container port. */
    static int portNumber(String where, JsonNode port, Map<String, Integer> byName) {
        if (port.isInt()) {
            return port.asInt();
        }
        Integer number = byName.get(port.asText());
        if (number == null) {
            throw new AssertionError(where + ": port '" + port.asText() + "' names no container port; it has "
                    + byName.keySet());
        }
        return number;
    }

    private static String firstArgument(JsonNode command) {
        if (command.isArray() && command.size() > 0) {
            return command.get(0).asText();
        }
        if (command.isTextual() && !command.asText().isBlank()) {
            return command.asText().trim().split("\\s+")[0];
        }
        return null;
    }

    static List<Workload> allWorkloads() {
        List<Workload> all = new ArrayList<>(swarmWorkloads());
        all.addAll(kubernetesWorkloads());
        return all;
    }

    /** Text values found anywhere under a node (for scanning expressions). */
    static List<String> texts(JsonNode node) {
        List<String> texts = new ArrayList<>();
        collect(node, texts);
        return texts;
    }

    private static void collect(JsonNode node, List<String> out) {
        if (node.isTextual()) {
            out.add(node.asText());
        } else if (node.isContainerNode()) {
            Iterator<JsonNode> it = node.elements();
            while (it.hasNext()) {
                collect(it.next(), out);
            }
        }
    }
}

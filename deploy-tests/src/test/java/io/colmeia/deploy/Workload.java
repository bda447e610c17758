package io.colmeia.deploy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One colmeia container as a deployment file describes it (a Swarm service, or a container of a Kubernetes
 * workload), reduced to what can be checked against the code.
 *
 * @param where        where it is described, for messages ("swarm service broker")
 * @param name         the service or workload name
 * @param image        the image, variables replaced by their defaults
 * @param subcommand   the first argument given to the image's entrypoint (the role); null when none is given
 * @param environment  literal environment values, variables replaced by their defaults
 * @param variables    every environment variable set, literal or not (valueFrom, secrets)
 * @param ports        ports the container declares (Swarm: published targets; Kubernetes: containerPorts)
 * @param probes       HTTP probes (Kubernetes) with the port each one targets
 * @param scrape       where Prometheus is told to scrape it
 */
record Workload(String where, String name, String image, String subcommand, Map<String, String> environment,
                Set<String> variables, List<Port> ports, List<Probe> probes, Optional<Scrape> scrape) {

    /** A declared container port; name may be null (Swarm ports have none). */
    record Port(String name, int number, String protocol) {
    }

    /** An HTTP probe: kind is readiness, liveness or startup. */
    record Probe(String kind, String path, int port) {
    }

    record Scrape(String path, int port) {
    }

    @Override
    public String toString() {
        return where;
    }
}

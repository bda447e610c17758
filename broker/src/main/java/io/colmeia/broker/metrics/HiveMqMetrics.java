package io.colmeia.broker.metrics;

import com.codahale.metrics.MetricRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.instrumentation.dropwizard.DropwizardExports;
import io.prometheus.metrics.instrumentation.dropwizard5.labels.CustomLabelMapper;
import io.prometheus.metrics.instrumentation.dropwizard5.labels.MapperConfig;
import io.prometheus.metrics.model.snapshots.Labels;
import java.util.List;
import java.util.Map;

/**
 * Exports HiveMQ's own Dropwizard metrics (com.hivemq.*) on the same /metrics page as ours, with the same
 * {@code node} label, so one scrape shows both.
 */
public final class HiveMqMetrics {

    private HiveMqMetrics() {
    }

    public static void export(MetricRegistry hivemq, PrometheusMeterRegistry registry, String node) {
        DropwizardExports.builder()
                .dropwizardRegistry(hivemq)
                .customLabelMapper(new NodeLabel(node))
                .register(registry.getPrometheusRegistry());
    }

    /** Keeps every Dropwizard name and adds node=ID to every series. */
    private static final class NodeLabel extends CustomLabelMapper {
        private final String node;

        NodeLabel(String node) {
            // the mapper insists on one rule; ours are the overrides below
            super(List.of(new MapperConfig("colmeia.unused.*", "colmeia_unused", Map.of())));
            this.node = node;
        }

        @Override
        public String getName(String dropwizardName) {
            return dropwizardName;
        }

        @Override
        public Labels getLabels(String dropwizardName, List<String> names, List<String> values) {
            return Labels.of(names, values).merge(Labels.of("node", node));
        }
    }
}

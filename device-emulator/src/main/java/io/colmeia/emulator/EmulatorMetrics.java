package io.colmeia.emulator;

import io.colmeia.emulator.stats.ClientStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToDoubleFunction;

/** The emulator's Prometheus metrics, {@code colmeia_emulator_*}, read from the live counters on scrape. */
final class EmulatorMetrics {

    private EmulatorMetrics() {
    }

    static void bind(MeterRegistry registry, Emulation emulation) {
        ClientStats d = emulation.deviceStats();
        ClientStats s = emulation.subscribers().stats();
        Gauge.builder("colmeia_emulator_devices", emulation, e -> e.fleet().devices().size())
                .description("Devices this emulator runs").register(registry);
        Gauge.builder("colmeia_emulator_devices_connected", d.connected, Number::doubleValue)
                .description("Devices connected now (CONNACK accepted)").register(registry);
        Gauge.builder("colmeia_emulator_messages_in_flight", emulation, e -> e.fleet().inFlight())
                .description("QoS 1/2 telemetry messages sent and not yet acknowledged").register(registry);
        counter(registry, "colmeia_emulator_messages_published_total", "Telemetry PUBLISHes sent (first sends)",
                d.published);
        counter(registry, "colmeia_emulator_messages_acknowledged_total",
                "Telemetry PUBLISHes acknowledged (PUBACK or PUBCOMP)", d.acknowledged);
        counter(registry, "colmeia_emulator_messages_retransmitted_total",
                "PUBLISH (DUP) or PUBREL sent again after a reconnect", d.retransmitted);
        counter(registry, "colmeia_emulator_messages_skipped_total",
                "Readings not sent because the device was offline or its in-flight window was full", d.skipped);
        counter(registry, "colmeia_emulator_connects_total", "Connections accepted by the broker", d.connects);
        counter(registry, "colmeia_emulator_connections_lost_total", "Established connections that dropped",
                d.connectionsLost);
        counter(registry, "colmeia_emulator_reconnects_total", "Reconnect attempts (after backoff)", d.reconnects);
        errors(registry, "connect", d.connectFailures, s.connectFailures);
        errors(registry, "dns", d.resolveFailures, s.resolveFailures);
        errors(registry, "protocol", d.protocolErrors, s.protocolErrors);
        Gauge.builder("colmeia_emulator_subscribers_subscribed", emulation,
                        e -> e.subscribers().subscribers().stream().filter(x -> x.subscribed()).count())
                .description("Subscribers holding their subscription now").register(registry);
        FunctionCounter.builder("colmeia_emulator_subscriber_messages_received_total", emulation,
                        e -> e.subscribers().unique())
                .description("Telemetry messages received by subscribers, each counted once per subscription")
                .register(registry);
        FunctionCounter.builder("colmeia_emulator_subscriber_duplicates_total", emulation,
                        e -> e.subscribers().duplicates())
                .description("Telemetry messages a subscription received more than once").register(registry);
        FunctionCounter.builder("colmeia_emulator_subscriber_out_of_order_total", emulation,
                        e -> e.subscribers().outOfOrder())
                .description("Telemetry messages that arrived after a later one of the same publisher")
                .register(registry);
        Gauge.builder("colmeia_emulator_subscriber_gaps", emulation, e -> e.subscribers().gaps())
                .description("Sequence numbers missing below the highest received, per publisher, summed")
                .register(registry);
        latency(registry, "colmeia_emulator_publish_ack_latency_seconds", "Publish to acknowledgement",
                emulation, p -> p.ack().p50Ms(), p -> p.ack().p99Ms(), p -> p.ack().maxMs());
        latency(registry, "colmeia_emulator_end_to_end_latency_seconds", "Publish to delivery at a subscriber",
                emulation, p -> p.endToEnd().p50Ms(), p -> p.endToEnd().p99Ms(), p -> p.endToEnd().maxMs());
    }

    private static void counter(MeterRegistry registry, String name, String help, LongAdder adder) {
        FunctionCounter.builder(name, adder, LongAdder::doubleValue).description(help).register(registry);
    }

    private static void errors(MeterRegistry registry, String kind, LongAdder devices, LongAdder subscribers) {
        FunctionCounter.builder("colmeia_emulator_errors_total", devices,
                        a -> a.doubleValue() + subscribers.doubleValue())
                .description("Errors by kind: connect (refused, timed out), dns (resolution failed),"
                        + " protocol (malformed packet, keep-alive timeout, refused subscription)")
                .tag("kind", kind).register(registry);
    }

    private static void latency(MeterRegistry registry, String name, String help, Emulation emulation,
                                ToDoubleFunction<Emulation.Progress> p50, ToDoubleFunction<Emulation.Progress> p99,
                                ToDoubleFunction<Emulation.Progress> max) {
        String description = help + " over the last progress interval (HdrHistogram)";
        Gauge.builder(name, emulation, e -> p50.applyAsDouble(e.lastProgress()) / 1000)
                .description(description).tag("quantile", "0.5").register(registry);
        Gauge.builder(name, emulation, e -> p99.applyAsDouble(e.lastProgress()) / 1000)
                .description(description).tag("quantile", "0.99").register(registry);
        Gauge.builder(name, emulation, e -> max.applyAsDouble(e.lastProgress()) / 1000)
                .description(description).tag("quantile", "1.0").register(registry);
    }
}

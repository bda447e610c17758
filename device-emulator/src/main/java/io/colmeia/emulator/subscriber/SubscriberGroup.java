package io.colmeia.emulator.subscriber;

import io.colmeia.emulator.mqtt.ClientSettings;
import io.colmeia.emulator.resolve.BrokerResolver;
import io.colmeia.emulator.stats.ClientStats;
import io.colmeia.emulator.stats.LatencyStats;
import io.netty.channel.EventLoopGroup;
import io.colmeia.emulator.device.Device;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** M subscribers on the same filter, with their figures summed (each subscription counts on its own). */
public final class SubscriberGroup {

    private final List<Subscriber> subscribers = new ArrayList<>();
    private final ClientStats stats = new ClientStats();
    private final LatencyStats endToEnd = new LatencyStats();

    public SubscriberGroup(int count, String clientIdPrefix, String filter, int qos, ClientSettings template,
                           EventLoopGroup group, BrokerResolver resolver) {
        for (int i = 0; i < count; i++) {
            subscribers.add(new Subscriber(template.withClientId(clientIdPrefix + "-" + (i + 1)), filter, qos,
                    group.next(), resolver, stats, endToEnd));
        }
    }

    public void start() {
        subscribers.forEach(Subscriber::start);
    }

    public int size() {
        return subscribers.size();
    }

    public List<Subscriber> subscribers() {
        return subscribers;
    }

    public ClientStats stats() {
        return stats;
    }

    public LatencyStats endToEnd() {
        return endToEnd;
    }

    public boolean allSubscribed() {
        return subscribers.stream().allMatch(Subscriber::subscribed);
    }

    public long unique() {
        return subscribers.stream().mapToLong(s -> s.tracker().unique()).sum();
    }

    public long duplicates() {
        return subscribers.stream().mapToLong(s -> s.tracker().duplicates()).sum();
    }

    public long outOfOrder() {
        return subscribers.stream().mapToLong(s -> s.tracker().outOfOrder()).sum();
    }

    public long gaps() {
        return subscribers.stream().mapToLong(s -> s.tracker().gaps()).sum();
    }

    /**
     * Lost messages summed over subscriptions: for each subscription, the readings sent by the devices whose
     * telemetry topic its filter matches that it never received.
     */
    public long missing(List<Device> devices) {
        long missing = 0;
        for (Subscriber s : subscribers) {
            Map<String, Long> expected = new HashMap<>();
            for (Device d : devices) {
                long last = d.lastSeq();
                if (last > 0 && TopicFilter.matches(s.filter(), d.identity().telemetryTopic())) {
                    expected.put(d.identity().mac(), last);
                }
            }
            missing += s.tracker().missing(expected);
        }
        return missing;
    }

    /** Messages the subscriptions should have received from these devices (sent × matching subscriptions). */
    public long expected(List<Device> devices) {
        long expected = 0;
        for (Subscriber s : subscribers) {
            for (Device d : devices) {
                if (TopicFilter.matches(s.filter(), d.identity().telemetryTopic())) {
                    expected += d.lastSeq();
                }
            }
        }
        return expected;
    }

    public long foreign() {
        return subscribers.stream().mapToLong(Subscriber::foreign).sum();
    }

    public CompletableFuture<Void> close() {
        return CompletableFuture.allOf(subscribers.stream().map(Subscriber::close).toArray(CompletableFuture[]::new));
    }
}

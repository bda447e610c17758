package io.colmeia.emulator.subscriber;

import io.colmeia.emulator.mqtt.ClientSettings;
import io.colmeia.emulator.mqtt.MqttSession;
import io.colmeia.emulator.resolve.BrokerResolver;
import io.colmeia.emulator.stats.ClientStats;
import io.colmeia.emulator.stats.LatencyStats;
import io.colmeia.emulator.stats.WallClock;
import io.netty.channel.EventLoop;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;

/**
 * A Node-RED-like flow: one clean-session subscription on a filter. Each telemetry message is checked against
 * its publisher's sequence numbers (duplicates, order, loss) and its end-to-end latency is recorded from the
 * send time embedded in the payload. Other messages (status, foreign publishers) are only counted.
 */
public final class Subscriber implements MqttSession.Listener {

    private final MqttSession session;
    private final SequenceTracker tracker = new SequenceTracker();
    private final LatencyStats endToEnd;
    private final LongAdder foreign = new LongAdder();
    private final String filter;
    private volatile boolean subscribed;

    public Subscriber(ClientSettings settings, String filter, int qos, EventLoop loop, BrokerResolver resolver,
                      ClientStats stats, LatencyStats endToEnd) {
        this.filter = filter;
        this.endToEnd = endToEnd;
        this.session = new MqttSession(settings.withCleanSession(true).withWill(null), loop, resolver, stats, this);
        session.subscribe(filter, qos);
    }

    public void start() {
        session.start();
    }

    public boolean subscribed() {
        return subscribed && session.isConnected();
    }

    public String filter() {
        return filter;
    }

    public SequenceTracker tracker() {
        return tracker;
    }

    public long foreign() {
        return foreign.sum();
    }

    public MqttSession session() {
        return session;
    }

    @Override
    public void onConnectionLost(MqttSession s) {
        subscribed = false;
    }

    @Override
    public void onSubscribed(MqttSession s, List<Integer> grantedQos) {
        subscribed = grantedQos.stream().allMatch(q -> q != null && q <= 2);
    }

    @Override
    public void onMessage(MqttSession s, String topic, byte[] payload, int qos) {
        TelemetryFields f = TelemetryFields.parse(payload);
        if (f == null) {
            foreign.increment();
            return;
        }
        if (tracker.record(f.mac(), f.seq()) != SequenceTracker.Outcome.DUPLICATE) {
            endToEnd.recordMicros(WallClock.epochMicros() - f.sentAtMicros());
        }
    }

    public CompletableFuture<Void> close() {
        return session.close(null);
    }
}

package io.colmeia.launcher.drill;

import io.colmeia.emulator.mqtt.ClientSettings;
import io.colmeia.emulator.mqtt.MqttSession;
import io.colmeia.emulator.resolve.BrokerResolver;
import io.colmeia.emulator.stats.ClientStats;
import io.colmeia.emulator.subscriber.TelemetryFields;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A Node-RED-like subscriber on {@code #} through one fixed ingress node (clean session, QoS 1, as a flow
 * would be): records every (device, seq) it received and when it was disconnected, so the verdict can say
 * exactly what it missed during each fault. Thread-safe.
 */
final class DrillSubscriber implements MqttSession.Listener {

    /** A period without a subscription: from the lost connection to the next SUBACK (-1 = still open). */
    record Gap(long fromMillis, long toMillis) {
    }

    private final String id;
    private final String via;
    private final MqttSession session;
    private final Map<String, BitSet> received = new HashMap<>();
    private final List<Gap> gaps = new ArrayList<>();
    private long duplicates;
    private long firstSubscribedMillis = -1;
    private long lostAtMillis = -1;

    DrillSubscriber(String id, String via, ClientSettings template, EventLoop loop, BrokerResolver resolver,
                    ClientStats stats) {
        this.id = id;
        this.via = via;
        this.session = new MqttSession(template.withClientId(id).withCleanSession(true).withWill(null), loop,
                resolver, stats, this);
        session.subscribe("#", 1);
    }

    void start() {
        session.start();
    }

    String id() {
        return id;
    }

    String via() {
        return via;
    }

    CompletableFuture<Void> close() {
        return session.close(null);
    }

    @Override
    public synchronized void onSubscribed(MqttSession s, List<Integer> grantedQos) {
        long now = System.currentTimeMillis();
        if (firstSubscribedMillis < 0) {
            firstSubscribedMillis = now;
        }
        if (lostAtMillis >= 0) {
            gaps.add(new Gap(lostAtMillis, now));
            lostAtMillis = -1;
        }
    }

    @Override
    public synchronized void onConnectionLost(MqttSession s) {
        if (firstSubscribedMillis >= 0 && lostAtMillis < 0) {
            lostAtMillis = System.currentTimeMillis();
        }
    }

    @Override
    public void onMessage(MqttSession s, String topic, byte[] payload, int qos) {
        TelemetryFields f = TelemetryFields.parse(payload);
        if (f == null || f.seq() < 1 || f.seq() > Integer.MAX_VALUE - 1) {
            return; // status messages and anything not from the fleet
        }
        synchronized (this) {
            BitSet seen = received.computeIfAbsent(f.mac(), k -> new BitSet());
            if (seen.get((int) f.seq())) {
                duplicates++;
            } else {
                seen.set((int) f.seq());
            }
        }
    }

    synchronized boolean subscribed() {
        return firstSubscribedMillis >= 0 && lostAtMillis < 0 && session.isConnected();
    }

    synchronized long firstSubscribedMillis() {
        return firstSubscribedMillis;
    }

    synchronized boolean received(String mac, int seq) {
        BitSet seen = received.get(mac);
        return seen != null && seen.get(seq);
    }

    synchronized long duplicates() {
        return duplicates;
    }

    synchronized long uniqueReceived() {
        return received.values().stream().mapToLong(BitSet::cardinality).sum();
    }

    synchronized List<Gap> gaps() {
        List<Gap> all = new ArrayList<>(gaps);
        if (lostAtMillis >= 0) {
            all.add(new Gap(lostAtMillis, -1));
        }
        return all;
    }
}

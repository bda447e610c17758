package io.colmeia.emulator.device;

import io.colmeia.emulator.mqtt.ClientSettings;
import io.colmeia.emulator.mqtt.MqttSession;
import io.colmeia.emulator.mqtt.OutgoingMessage;
import io.colmeia.emulator.resolve.BrokerResolver;
import io.colmeia.emulator.stats.ClientStats;
import io.colmeia.emulator.stats.WallClock;
import io.netty.channel.EventLoop;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One virtual ESP8266: after each CONNACK it publishes a retained "online" status (its last will says
 * "offline"), then a telemetry reading every interval while connected. A reading due while disconnected or
 * while the in-flight window is full is skipped and counted, as the firmware would; the sequence number only
 * advances for readings actually sent, so subscribers can tell loss from skipping.
 */
public final class Device implements MqttSession.Listener {

    static final byte[] ONLINE = "online".getBytes(StandardCharsets.US_ASCII);
    static final byte[] OFFLINE = "offline".getBytes(StandardCharsets.US_ASCII);
    private static final long MIN_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final int MAX_BURST = 512;

    private final DeviceIdentity identity;
    private final SensorModel sensors;
    private final FleetSettings fleet;
    private final ClientStats stats;
    private final MqttSession session;
    private final DeviceObserver observer;
    private final long intervalNanos;
    private ScheduledFuture<?> ticker;
    private boolean publishing;
    private boolean done;
    private double credit;
    private volatile long lastSeq;

    Device(DeviceIdentity identity, FleetSettings fleet, ClientSettings template, EventLoop loop,
           BrokerResolver resolver, ClientStats stats, DeviceObserver observer) {
        this.identity = identity;
        this.observer = observer;
        this.fleet = fleet;
        this.stats = stats;
        this.sensors = new SensorModel(fleet.seed() * 1_000_003L + identity.number());
        this.intervalNanos = fleet.interval().toNanos();
        ClientSettings settings = template.withClientId(identity.clientId())
                .withWill(farewell());
        this.session = new MqttSession(settings, loop, resolver, stats, this);
    }

    public DeviceIdentity identity() {
        return identity;
    }

    public MqttSession session() {
        return session;
    }

    /** Highest sequence number sent so far (0 = none). */
    public long lastSeq() {
        return lastSeq;
    }

    ClientSettings.Will farewell() {
        return new ClientSettings.Will(identity.statusTopic(), OFFLINE, 1, true);
    }

    void start() {
        session.start();
    }

    void startPublishing() {
        session.loop().execute(() -> {
            if (publishing || done) {
                return;
            }
            publishing = true;
            if (intervalNanos == 0) {
                fill(true);
                return;
            }
            long period = Math.max(intervalNanos, MIN_TICK_NANOS);
            long firstDelay = ThreadLocalRandom.current().nextLong(period); // spread the fleet over the interval
            ticker = session.loop().scheduleAtFixedRate(this::tick, firstDelay, period, TimeUnit.NANOSECONDS);
        });
    }

    void stopPublishing() {
        session.loop().execute(this::stopTicking);
    }

    private void stopTicking() {
        publishing = false;
        if (ticker != null) {
            ticker.cancel(false);
            ticker = null;
        }
    }

    @Override
    public void onConnected(MqttSession s, boolean sessionPresent) {
        observer.connected(identity, s.lastAddress());
        if (s.canPublish(1)) {
            s.publish(identity.statusTopic(), ONLINE, 1, true, false, 0, true);
        }
        if (publishing && intervalNanos == 0) {
            fill(true);
        }
    }

    @Override
    public void onAcknowledged(MqttSession s, OutgoingMessage message) {
        if (message.telemetry()) {
            observer.acknowledged(identity, message.seq());
        }
        if (publishing && intervalNanos == 0) {
            fill(false); // flushed when the read that carried the ack completes
        }
    }

    @Override
    public void onConnectionLost(MqttSession s) {
        observer.connectionLost(identity);
    }

    @Override
    public void onWritable(MqttSession s) {
        if (publishing && intervalNanos == 0 && fleet.qos() == 0) {
            fill(true);
        }
    }

    private void tick() {
        if (!publishing || done) {
            return;
        }
        int due = 1;
        if (intervalNanos < MIN_TICK_NANOS) {
            credit += (double) MIN_TICK_NANOS / intervalNanos;
            due = (int) Math.min(MAX_BURST, Math.floor(credit));
            credit -= due;
        }
        for (int i = 0; i < due && !done; i++) {
            if (!publishOne(false)) {
                stats.skipped.add(due - i);
                break;
            }
        }
        session.flush();
    }

    /** Closed loop: as many as the window (QoS 1/2) or the socket (QoS 0) takes, in bounded batches. */
    private void fill(boolean flush) {
        int sent = 0;
        while (publishing && !done && sent < MAX_BURST && session.canPublish(fleet.qos()) && session.isWritable()) {
            publishOne(false);
            sent++;
        }
        if (sent > 0 && flush) {
            session.flush();
        }
        if (sent == MAX_BURST) {
            session.loop().execute(() -> {
                if (publishing) {
                    fill(true);
                }
            });
        }
    }

    private boolean publishOne(boolean flush) {
        if (!session.canPublish(fleet.qos())) {
            return false;
        }
        if (fleet.qos() == 0 && !session.isWritable()) {
            return false; // QoS 0 has no window: the socket's send buffer is the bound
        }
        long seq = lastSeq + 1;
        long nowMicros = WallClock.epochMicros();
        long deviceSeconds = nowMicros / 1_000_000L;
        byte[] payload = TelemetryPayload.encode(identity.mac(), deviceSeconds, sensors.read(deviceSeconds), seq,
                nowMicros);
        session.publish(identity.telemetryTopic(), payload, fleet.qos(), false, true, seq, flush);
        lastSeq = seq;
        if (fleet.messagesPerDevice() > 0 && seq >= fleet.messagesPerDevice()) {
            done = true;
            stopTicking();
        }
        return true;
    }

    /** True once the device sent its --count readings. */
    public boolean finished() {
        return fleet.messagesPerDevice() > 0 && lastSeq >= fleet.messagesPerDevice();
    }
}

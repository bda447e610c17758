package io.colmeia.emulator.device;

import io.colmeia.emulator.mqtt.ClientSettings;
import io.colmeia.emulator.resolve.BrokerResolver;
import io.colmeia.emulator.stats.ClientStats;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * N devices spread round-robin over a few event loops, started at {@code rampRate} connections per second
 * (in 10 ms steps) so the broker sees a realistic fleet coming online rather than a single burst.
 */
public final class DeviceFleet {

    private static final long RAMP_STEP_MS = 10;

    private final FleetSettings settings;
    private final List<Device> devices;
    private final EventLoop rampLoop;
    private final AtomicInteger started = new AtomicInteger();
    private ScheduledFuture<?> ramp;
    private double rampCredit;
    private volatile boolean publishOnStart;

    public DeviceFleet(FleetSettings settings, ClientSettings template, EventLoopGroup group,
                       BrokerResolver resolver, ClientStats stats) {
        this(settings, template, group, resolver, stats, DeviceObserver.NONE);
    }

    /** A fleet whose devices report acknowledgements and connection changes to {@code observer}. */
    public DeviceFleet(FleetSettings settings, ClientSettings template, EventLoopGroup group,
                       BrokerResolver resolver, ClientStats stats, DeviceObserver observer) {
        this.settings = settings;
        this.devices = new ArrayList<>(settings.devices());
        for (int i = 0; i < settings.devices(); i++) {
            DeviceIdentity id = DeviceIdentity.of(settings.deviceOffset() + i + 1, settings.macPrefix(),
                    settings.topicTemplate());
            devices.add(new Device(id, settings, template, group.next(), resolver, stats, observer));
        }
        this.rampLoop = group.next();
    }

    public List<Device> devices() {
        return devices;
    }

    public FleetSettings settings() {
        return settings;
    }

    /** Starts connecting the devices at the ramp rate; with {@code publish} they publish once connected. */
    public void start(boolean publish) {
        publishOnStart = publish;
        rampLoop.execute(() -> {
            if (ramp != null) {
                return;
            }
            ramp = rampLoop.scheduleAtFixedRate(this::rampStep, 0, RAMP_STEP_MS, TimeUnit.MILLISECONDS);
        });
    }

    private void rampStep() {
        rampCredit += settings.rampRate() * (RAMP_STEP_MS / 1000.0);
        int due = (int) Math.floor(rampCredit);
        rampCredit -= due;
        int from = started.get();
        int to = Math.min(devices.size(), from + due);
        for (int i = from; i < to; i++) {
            Device d = devices.get(i);
            d.start();
            if (publishOnStart) {
                d.startPublishing();
            }
        }
        started.set(to);
        if (to >= devices.size() && ramp != null) {
            ramp.cancel(false);
        }
    }

    /** Devices whose connection has been started so far. */
    public int started() {
        return started.get();
    }

    public boolean rampComplete() {
        return started.get() >= devices.size();
    }

    public void startPublishing() {
        publishOnStart = true;
        for (int i = 0; i < started.get(); i++) {
            devices.get(i).startPublishing();
        }
    }

    public void stopPublishing() {
        publishOnStart = false;
        devices.forEach(Device::stopPublishing);
    }

    /** What each device reports as its last sequence number sent, by MAC (devices that sent nothing skipped). */
    public Map<String, Long> lastSeqByMac() {
        Map<String, Long> map = new HashMap<>();
        for (Device d : devices) {
            long last = d.lastSeq();
            if (last > 0) {
                map.put(d.identity().mac(), last);
            }
        }
        return map;
    }

    public long inFlight() {
        long n = 0;
        for (Device d : devices) {
            n += d.session().inFlight();
        }
        return n;
    }

    public boolean allFinished() {
        return devices.stream().allMatch(Device::finished);
    }

    /** Stops ramping and publishing; each connected device says "offline" (retained) and disconnects. */
    public CompletableFuture<Void> close() {
        rampLoop.execute(() -> {
            if (ramp != null) {
                ramp.cancel(false);
            }
        });
        stopPublishing();
        CompletableFuture<?>[] all = new CompletableFuture<?>[devices.size()];
        for (int i = 0; i < devices.size(); i++) {
            Device d = devices.get(i);
            ClientSettings.Will offline = d.farewell();
            all[i] = d.session().close(offline);
        }
        return CompletableFuture.allOf(all);
    }
}

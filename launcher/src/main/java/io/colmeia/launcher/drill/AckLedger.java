package io.colmeia.launcher.drill;

import io.colmeia.emulator.device.DeviceIdentity;
import io.colmeia.emulator.device.DeviceObserver;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The fleet's own record of the drill: every (device, seq) the broker acknowledged, when, and every outage of
 * a device (connection lost → next CONNACK). This is what the devices saw, independent of the cluster's
 * metrics; the verdict compares it with the database. Thread-safe (devices call it from their event loops).
 */
final class AckLedger implements DeviceObserver {

    /** One device's lost connection: when it went, and how long until it was connected again (-1 = never). */
    record Outage(String mac, long lostAtMillis, long reconnectMillis) {
    }

    private static final class DeviceLog {
        final BitSet acknowledged = new BitSet();
        long[] ackMillis = new long[64];
        long lostAtMillis = -1;
    }

    private final Map<String, DeviceLog> devices = new HashMap<>();
    private final List<Outage> outages = new ArrayList<>();
    private long total;

    @Override
    public synchronized void acknowledged(DeviceIdentity device, long seq) {
        if (seq < 1 || seq > Integer.MAX_VALUE - 1) {
            return;
        }
        DeviceLog log = devices.computeIfAbsent(device.mac(), k -> new DeviceLog());
        int i = (int) seq;
        if (log.acknowledged.get(i)) {
            return; // a second PUBACK for a resent message: still one acknowledged reading
        }
        log.acknowledged.set(i);
        if (i >= log.ackMillis.length) {
            log.ackMillis = java.util.Arrays.copyOf(log.ackMillis, Math.max(i + 1, log.ackMillis.length * 2));
        }
        log.ackMillis[i] = System.currentTimeMillis();
        total++;
    }

    @Override
    public synchronized void connectionLost(DeviceIdentity device) {
        devices.computeIfAbsent(device.mac(), k -> new DeviceLog()).lostAtMillis = System.currentTimeMillis();
    }

    @Override
    public synchronized void connected(DeviceIdentity device, InetSocketAddress address) {
        DeviceLog log = devices.computeIfAbsent(device.mac(), k -> new DeviceLog());
        if (log.lostAtMillis >= 0) {
            long now = System.currentTimeMillis();
            outages.add(new Outage(device.mac(), log.lostAtMillis, now - log.lostAtMillis));
            log.lostAtMillis = -1;
        }
    }

    synchronized long total() {
        return total;
    }

    /** Every acknowledged seq per device MAC (copies). */
    synchronized Map<String, BitSet> acknowledged() {
        Map<String, BitSet> copy = new HashMap<>();
        devices.forEach((mac, log) -> copy.put(mac, (BitSet) log.acknowledged.clone()));
        return copy;
    }

    /** When the broker acknowledged (mac, seq), epoch millis; -1 if it did not. */
    synchronized long ackMillis(String mac, int seq) {
        DeviceLog log = devices.get(mac);
        if (log == null || !log.acknowledged.get(seq) || seq >= log.ackMillis.length) {
            return -1;
        }
        return log.ackMillis[seq];
    }

    /** Outages that ended, plus those still open at {@code nowMillis} (reconnectMillis -1). */
    synchronized List<Outage> outages(long nowMillis) {
        List<Outage> all = new ArrayList<>(outages);
        devices.forEach((mac, log) -> {
            if (log.lostAtMillis >= 0) {
                all.add(new Outage(mac, log.lostAtMillis, -1));
            }
        });
        return all;
    }
}

package io.colmeia.emulator.bench;

import io.colmeia.common.config.HostPort;
import java.util.regex.Pattern;

/**
 * A broker under test: a name for the tables, the MQTT address publishers connect to, the address subscribers
 * connect to (the same one unless given, e.g. another replica of a cluster) and, when local, its process id.
 */
public record BenchTarget(String name, HostPort address, HostPort subscriberAddress, long pid) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,39}");

    public BenchTarget(String name, HostPort address, long pid) {
        this(name, address, address, pid);
    }

    /**
     * "NAME=HOST:PORT", "HOST:PORT" (then the address is the name), or with a separate subscriber endpoint
     * "NAME=PUB_HOST:PORT/SUB_HOST:PORT".
     */
    public static BenchTarget parse(String text) {
        String value = text == null ? "" : text.trim();
        int eq = value.indexOf('=');
        String name = eq < 0 ? null : value.substring(0, eq);
        String addresses = eq < 0 ? value : value.substring(eq + 1);
        int slash = addresses.indexOf('/');
        HostPort address = HostPort.parse(slash < 0 ? addresses : addresses.substring(0, slash));
        HostPort subscriber = slash < 0 ? address : HostPort.parse(addresses.substring(slash + 1));
        if (name == null) {
            name = addresses;
        } else if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("target name '" + name
                    + "' must be 1-40 letters, digits, '.', '_' or '-'");
        }
        return new BenchTarget(name, address, subscriber, -1);
    }

    public BenchTarget withPid(long p) {
        return new BenchTarget(name, address, subscriberAddress, p);
    }

    /** "HOST:PORT", or "PUB/SUB" when subscribers use another endpoint. */
    public String describe() {
        return subscriberAddress.equals(address) ? address.toString() : address + "/" + subscriberAddress;
    }
}

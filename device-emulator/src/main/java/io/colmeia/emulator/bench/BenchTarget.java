package io.colmeia.emulator.bench;

import io.colmeia.common.config.HostPort;
import java.util.regex.Pattern;

/** A broker under test: a name for the tables, its MQTT address and, when local, its process id. */
public record BenchTarget(String name, HostPort address, long pid) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,39}");

    /** "NAME=HOST:PORT" or just "HOST:PORT" (then the address is the name). */
    public static BenchTarget parse(String text) {
        String value = text == null ? "" : text.trim();
        int eq = value.indexOf('=');
        String name = eq < 0 ? null : value.substring(0, eq);
        HostPort address = HostPort.parse(eq < 0 ? value : value.substring(eq + 1));
        if (name == null) {
            name = address.toString();
        } else if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("target name '" + name
                    + "' must be 1-40 letters, digits, '.', '_' or '-'");
        }
        return new BenchTarget(name, address, -1);
    }

    public BenchTarget withPid(long p) {
        return new BenchTarget(name, address, p);
    }
}

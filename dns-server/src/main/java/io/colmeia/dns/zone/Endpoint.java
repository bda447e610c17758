package io.colmeia.dns.zone;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Objects;

/** One ingress node: the address its A/AAAA record carries and the MQTT port its SRV record carries. */
public record Endpoint(InetAddress address, int port) implements Comparable<Endpoint> {

    public Endpoint {
        Objects.requireNonNull(address, "address");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is outside 1..65535");
        }
    }

    public boolean isIpv6() {
        return address instanceof Inet6Address;
    }

    /** A DNS label naming this node, e.g. 127-0-2-1 or 2001-db8--1, used for SRV targets. */
    public String label() {
        String text = address.getHostAddress();
        int scope = text.indexOf('%');
        if (scope >= 0) {
            text = text.substring(0, scope);
        }
        return text.replace('.', '-').replace(':', '-');
    }

    @Override
    public int compareTo(Endpoint other) {
        byte[] a = address.getAddress();
        byte[] b = other.address.getAddress();
        if (a.length != b.length) {
            return Integer.compare(a.length, b.length);
        }
        int byBytes = java.util.Arrays.compareUnsigned(a, b);
        return byBytes != 0 ? byBytes : Integer.compare(port, other.port);
    }

    @Override
    public String toString() {
        String host = address.getHostAddress();
        return isIpv6() ? "[" + host + "]:" + port : host + ":" + port;
    }
}

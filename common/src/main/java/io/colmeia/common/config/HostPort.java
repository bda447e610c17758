package io.colmeia.common.config;

import java.net.InetSocketAddress;
import java.util.Objects;

/** A validated "HOST:PORT" address (IPv6 as "[::1]:1883"). Port must be 1..65535. */
public record HostPort(String host, int port) {

    public HostPort {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host is empty");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is outside 1..65535");
        }
    }

    /** Parses "HOST:PORT"; the message of the exception says what is wrong, for the user. */
    public static HostPort parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("expected HOST:PORT, got an empty value");
        }
        String value = text.trim();
        String host;
        String portText;
        if (value.startsWith("[")) {
            int close = value.indexOf(']');
            if (close < 0 || close + 1 >= value.length() || value.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("expected [IPV6]:PORT, got '" + text + "'");
            }
            host = value.substring(1, close);
            portText = value.substring(close + 2);
        } else {
            int colon = value.lastIndexOf(':');
            if (colon <= 0 || value.indexOf(':') != colon) {
                throw new IllegalArgumentException("expected HOST:PORT, got '" + text + "'");
            }
            host = value.substring(0, colon);
            portText = value.substring(colon + 1);
        }
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("port '" + portText + "' is not a number");
        }
        return new HostPort(host, port);
    }

    /** Address a local client uses to reach a listener bound here (wildcard binds are reached on loopback). */
    public HostPort reachable() {
        if (host.equals("0.0.0.0")) {
            return new HostPort("127.0.0.1", port);
        }
        if (host.equals("::") || host.equals("0:0:0:0:0:0:0:0")) {
            return new HostPort("::1", port);
        }
        return this;
    }

    public InetSocketAddress toSocketAddress() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}

package io.colmeia.ingress.connect;

/** Why no acceptable CONNECT was obtained from a new connection. The label is the {@code reason} of the refusal metric. */
public enum ConnectRejection {
    /** The first packet is some other MQTT packet type (or garbage whose first byte is not 0x10). */
    NOT_CONNECT("not_connect"),
    /** Looks like a CONNECT but does not decode: bad length encoding, protocol name/level, flags, strings. */
    MALFORMED("malformed"),
    /** Declares (or already sent) more bytes than the configured maximum CONNECT size. */
    OVERSIZED("oversized"),
    /** No complete CONNECT within the deadline (a silent client or a slowloris trickle). */
    CONNECT_TIMEOUT("connect_timeout"),
    /** The client closed the connection before its CONNECT was complete. */
    TRUNCATED("truncated");

    private final String label;

    ConnectRejection(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}

package io.colmeia.dns.answer;

import java.util.Locale;

/** How a query arrived; decides the largest response (UDP: EDNS-negotiated and capped, TCP: 65535). */
public enum Transport {
    UDP, TCP;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}

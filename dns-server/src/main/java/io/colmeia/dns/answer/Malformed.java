package io.colmeia.dns.answer;

/** Why a packet was rejected as malformed or hostile; the label is the {@code reason} of the metric. */
public enum Malformed {
    /** Fewer than the 12 bytes of a DNS header: nothing to answer, dropped. */
    SHORT_HEADER("short_header"),
    /** The QR bit is set: a response sent to a server (reflection, loops): dropped, never answered. */
    RESPONSE_RECEIVED("response_received"),
    /** The message cannot be parsed (bad names, compression loops, records running past the end): FORMERR. */
    UNPARSEABLE("unparseable"),
    /** Not exactly one question: FORMERR. */
    QUESTION_COUNT("question_count"),
    /** More than one OPT, OPT not owned by the root, or OPT outside the additional section: FORMERR. */
    BAD_OPT("bad_opt"),
    /** A question for a type that cannot be asked (OPT, TSIG, TKEY as QTYPE): FORMERR. */
    BAD_QUESTION("bad_question"),
    /** A TCP frame shorter than a header, or a TCP connection that did not deliver a query in time. */
    TCP_FRAME("tcp_frame"),
    /** A TCP connection that sent nothing complete within the read timeout. */
    TCP_TIMEOUT("tcp_timeout");

    private final String label;

    Malformed(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}

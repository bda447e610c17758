package io.colmeia.dns.answer;

import org.xbill.DNS.Message;

/**
 * What the answering logic decided for one packet.
 *
 * @param wire      the bytes to send, or null when the packet is dropped without an answer
 * @param message   the response as data (null when dropped), e.g. to derive a slipped (TC) reply
 * @param rcode     the full (extended) response code, or -1 when dropped
 * @param qtype     the question's type, or -1 when there was no usable question
 * @param malformed why the packet was rejected, or null when it was a proper query
 * @param truncated TC was set because the answer did not fit the transport's limit
 * @param rateKey   what response rate limiting counts this response as (same name and type, NXDOMAIN
 *                  for the zone, or an error), together with the client's prefix
 */
public record Response(byte[] wire, Message message, int rcode, int qtype, Malformed malformed, boolean truncated,
                       RateKey rateKey) {

    /** Computed only when rate limiting asks for it: most servers answer far more than they limit. */
    @FunctionalInterface
    public interface RateKey {
        String value();
    }

    static Response dropped(Malformed reason) {
        return new Response(null, null, -1, -1, reason, false, () -> "dropped");
    }

    public boolean isDropped() {
        return wire == null;
    }
}

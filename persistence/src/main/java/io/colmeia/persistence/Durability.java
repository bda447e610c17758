package io.colmeia.persistence;

/**
 * Why a submitted message is durable; the sink's future completes with one of these, never earlier. Every value
 * means "durable, may be acknowledged"; {@link #REJECTED} also says the payload was not stored as telemetry.
 */
public enum Durability {
    /** Written to {@code telemetry} with write concern majority. */
    STORED,
    /** A document with the same deterministic id was already stored (a retransmission): nothing new written. */
    DUPLICATE,
    /** MongoDB was unreachable or failing: appended to the local spool and fsync'd; replayed later, in order. */
    SPOOLED,
    /**
     * The payload was invalid (the sink counts why, per field and reason); its rejection record is durable in
     * {@code telemetry_rejected} (written with majority, already there, or spooled on its way there). Durable, so
     * it is acknowledged like any other message: retransmitting a bad payload cannot make it valid.
     */
    REJECTED
}

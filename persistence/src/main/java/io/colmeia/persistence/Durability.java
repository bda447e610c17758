package io.colmeia.persistence;

/** Why a submitted message is durable; the sink's future completes with one of these, never earlier. */
public enum Durability {
    /** Written to MongoDB with write concern majority (in {@code telemetry}, or {@code telemetry_rejected}). */
    STORED,
    /** A document with the same deterministic id was already stored (a retransmission): nothing new written. */
    DUPLICATE,
    /** MongoDB was unreachable or failing: appended to the local spool and fsync'd; replayed later, in order. */
    SPOOLED
}

package io.colmeia.persistence.decode;

/**
 * Why a payload was not accepted as telemetry.
 *
 * @param field  the payload field at fault ({@code payload} for the whole payload, {@code json} for its syntax)
 * @param code   a short, bounded reason code, used as the metric label (e.g. {@code invalid_mac})
 * @param detail a human-readable explanation with the offending value (bounded length)
 */
public record Rejection(String field, String code, String detail) {

    /** The metric label: field and code, e.g. {@code Mac:invalid_mac}. */
    public String label() {
        return field + ":" + code;
    }
}

package io.colmeia.ingress.connect;

/**
 * Where the bytes received so far stand with respect to one complete first packet.
 * Computed by {@link FirstPacketFramer} from the fixed header alone, before any payload is parsed.
 */
public sealed interface FrameStatus {

    /** Not enough bytes yet to know, or to have, the whole packet. */
    record NeedMore() implements FrameStatus {
    }

    /** The whole packet is present: its first {@code length} bytes. */
    record Complete(int length) implements FrameStatus {
    }

    /** The packet can never be accepted; {@code reason} says why (for counting), {@code detail} for the log. */
    record Invalid(ConnectRejection reason, String detail) implements FrameStatus {
    }

    FrameStatus NEED_MORE = new NeedMore();
}

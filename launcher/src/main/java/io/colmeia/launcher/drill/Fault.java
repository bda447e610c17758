package io.colmeia.launcher.drill;

/**
 * One injected fault, as it happened. Times are epoch millis. For a kill: the pid killed, the pid supervision
 * started in its place and when that one was ready ({@code recoveredMillis} -1 if not within the drill's
 * --max-wait). For a link cut: {@code recoveredMillis} is when the link was healed.
 */
record Fault(int number, FaultKind kind, String target, long startMillis, long killedPid, long newPid,
             long recoveredMillis, long endMillis, String note) {

    /** Time from the fault until its target served again, or -1. */
    long downMillis() {
        return recoveredMillis < 0 ? -1 : recoveredMillis - startMillis;
    }
}

package io.colmeia.launcher.drill;

/**
 * A fault while the drill runs: its target may come back after the drill has moved on (--max-wait), so the
 * recovery is filled in later by the drill's recovery watcher. {@link #toFault()} freezes it for the verdict.
 */
final class InjectedFault {

    final int number;
    final FaultKind kind;
    final String target;
    final long startMillis;
    final long killedPid;
    private volatile long newPid;
    private volatile long recoveredMillis = -1;
    private volatile long movedOnMillis = -1;
    private volatile String note;

    InjectedFault(int number, FaultKind kind, String target, long startMillis, long killedPid) {
        this.number = number;
        this.kind = kind;
        this.target = target;
        this.startMillis = startMillis;
        this.killedPid = killedPid;
    }

    boolean recovered() {
        return recoveredMillis >= 0;
    }

    long recoveredMillis() {
        return recoveredMillis;
    }

    void recover(long pid, long atMillis) {
        if (recoveredMillis < 0) {
            newPid = pid;
            recoveredMillis = atMillis;
        }
    }

    void movedOn(long atMillis, String why) {
        movedOnMillis = atMillis;
        note = why;
    }

    boolean movedOnMillisSet() {
        return movedOnMillis >= 0;
    }

    /** The end of the fault's window: when its target served again, else when the drill stopped waiting. */
    Fault toFault() {
        long end = recoveredMillis >= 0 ? recoveredMillis : movedOnMillis >= 0 ? movedOnMillis : startMillis;
        String n = note;
        if (recoveredMillis >= 0 && movedOnMillis >= 0 && recoveredMillis > movedOnMillis) {
            n = "back after the drill moved on (--max-wait); overlapped the next fault";
        }
        return new Fault(number, kind, target, startMillis, killedPid, newPid, recoveredMillis, end, n);
    }
}

package io.colmeia.launcher.local;

import java.io.PrintWriter;

/** Progress and status lines of the local-cluster commands. */
final class StatusOutput {

    private final PrintWriter out;

    StatusOutput(PrintWriter out) {
        this.out = out;
    }

    void line(String text) {
        out.println(text);
        out.flush();
    }
}

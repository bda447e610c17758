package io.colmeia.launcher.drill;

import java.util.Locale;

/** What the drill breaks: one process of a role (SIGKILL), or the cluster link between two replicas. */
enum FaultKind {
    BROKER("broker"), INGRESS("ingress"), DNS("dns"), STORE("store"), LINK("link");

    final String label;

    FaultKind(String label) {
        this.label = label;
    }

    static FaultKind parse(String text) {
        for (FaultKind k : values()) {
            if (k.label.equals(text.trim().toLowerCase(Locale.ROOT))) {
                return k;
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not a fault kind: use broker, ingress, dns, store"
                + " or link");
    }

    @Override
    public String toString() {
        return label;
    }
}

package io.colmeia.launcher.local;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/** The cluster's processes with their live state, as a table for people and as JSON for scripts. */
final class StatusTable {

    /** One row: a process and what was observed about it just now. */
    record Row(ManagedProcess process, boolean alive, boolean ready) {
        String state() {
            return !alive ? "dead" : ready ? "ready" : "not ready";
        }

        String address() {
            if (process.mqtt() != null) {
                return process.mqtt();
            }
            if (process.dns() != null) {
                return process.dns();
            }
            return process.mongodb() == null ? "-" : process.mongodb();
        }
    }

    private StatusTable() {
    }

    static List<Row> observe(List<ManagedProcess> processes) {
        List<Row> rows = new ArrayList<>();
        for (ManagedProcess p : processes) {
            boolean alive = p.isAlive();
            rows.add(new Row(p, alive, alive && ReadyProbe.isReady(p)));
        }
        return rows;
    }

    static boolean allReady(List<Row> rows) {
        return !rows.isEmpty() && rows.stream().allMatch(Row::ready);
    }

    static String text(List<Row> rows) {
        List<String[]> cells = new ArrayList<>();
        cells.add(new String[] {"ROLE", "ID", "ADDRESS", "HTTP", "PID", "RESTARTS", "STATE"});
        for (Row r : rows) {
            cells.add(new String[] {r.process().role(), r.process().id(), r.address(),
                    r.process().http() == null ? "-" : r.process().http(), Long.toString(r.process().pid()),
                    restarts(r.process()), r.state()});
        }
        int[] widths = new int[7];
        for (String[] row : cells) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        StringBuilder text = new StringBuilder();
        for (String[] row : cells) {
            for (int i = 0; i < row.length; i++) {
                text.append(i == row.length - 1 ? row[i] : String.format("%-" + (widths[i] + 2) + "s", row[i]));
            }
            text.append('\n');
        }
        return text.toString();
    }

    private static String restarts(ManagedProcess p) {
        return p.restarts() == 0 ? "0" : p.restarts() + " (last exit " + p.lastExitCode() + ")";
    }

    /** The {@code status --json} contract (ARCHITECTURE.md §4): add fields freely, never rename these. */
    static String json(String name, List<Row> rows) {
        ObjectNode root = ClusterState.JSON.createObjectNode();
        root.put("name", name);
        ArrayNode processes = root.putArray("processes");
        for (Row r : rows) {
            ManagedProcess p = r.process();
            ObjectNode node = processes.addObject();
            node.put("role", p.role());
            node.put("id", p.id());
            node.put("pid", p.pid());
            node.put("ready", r.ready());
            node.put("alive", r.alive());
            node.put("state", r.state());
            node.put("restarts", p.restarts());
            if (p.lastExitCode() != null) {
                node.put("lastExitCode", p.lastExitCode());
            }
            putIfSet(node, "mqtt", p.mqtt());
            putIfSet(node, "dns", p.dns());
            putIfSet(node, "mongodb", p.mongodb());
            putIfSet(node, "http", p.http());
            putIfSet(node, "log", p.log());
        }
        root.put("ready", allReady(rows));
        try {
            return ClusterState.JSON.writeValueAsString(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void putIfSet(ObjectNode node, String field, String value) {
        if (value != null) {
            node.put(field, value);
        }
    }
}

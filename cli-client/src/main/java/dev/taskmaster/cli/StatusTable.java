package dev.taskmaster.cli;

import dev.taskmaster.client.ProcessText;
import dev.taskmaster.proto.v1.ProcessInfo;
import dev.taskmaster.proto.v1.ProcessState;
import java.util.ArrayList;
import java.util.List;

/**
 * The process table of {@code status}: NAME, STATE, PID, UPTIME, RESTARTS, DESCRIPTION (after
 * HOST when several daemons answer), columns aligned on the plain text so colour codes never
 * shift them; HEALTH follows STATE when some process has a health check. A process of a group not named after its program is shown as {@code GROUP:NAME}
 * (a target that addresses it); the description leaves out the pid and uptime its columns
 * already show. The wide table ({@code -o wide}) adds GROUP and PROGRAM and shows the daemon's
 * description whole. Stateless.
 */
final class StatusTable {

    private static final List<String> HEADER = List.of("NAME", "STATE", "PID", "UPTIME", "RESTARTS", "DESCRIPTION");
    private static final String GAP = "  ";
    private static final String RESET = "\u001B[0m";

    private StatusTable() {}

    static List<String> render(List<ProcessInfo> processes, boolean colour) {
        return render(processes, colour, false);
    }

    /** @param wide GROUP and PROGRAM columns, and the daemon's description whole */
    static List<String> render(List<ProcessInfo> processes, boolean colour, boolean wide) {
        List<Row> rows = new ArrayList<>(processes.size());
        for (ProcessInfo p : processes) {
            rows.add(new Row(null, p));
        }
        return render(rows, false, colour, wide);
    }

    /**
     * One process of one host, or (with {@code process} null) a host that has none, which gets a
     * row of its own saying so rather than vanishing from the table.
     *
     * @param host the HOST column, or null when there is none
     */
    record Row(String host, ProcessInfo process) {}

    /** The table of several hosts: HOST first, then the columns of {@link #render(List, boolean)}. */
    static List<String> renderHosts(List<Row> rows, boolean colour) {
        return render(rows, true, colour, false);
    }

    private static List<String> render(List<Row> rows, boolean hostColumn, boolean colour, boolean wide) {
        int first = hostColumn ? 1 : 0;
        int stateColumn = first + (wide ? 3 : 1);
        List<List<String>> cells = new ArrayList<>();
        List<String> header = new ArrayList<>(HEADER);
        if (wide) {
            header.addAll(1, List.of("GROUP", "PROGRAM"));
        }
        if (hostColumn) {
            header.addFirst("HOST");
        }
        boolean health = rows.stream().anyMatch(r -> r.process() != null && r.process().hasHealth());
        if (health) {
            header.add(stateColumn + 1, "HEALTH");
        }
        cells.add(header);
        for (Row row : rows) {
            List<String> line = new ArrayList<>(header.size());
            if (hostColumn) {
                line.add(row.host());
            }
            ProcessInfo p = row.process();
            if (p == null) {
                line.addAll(List.of("-", "-", "-", "-", "-", "no processes"));
            } else {
                line.add(wide ? p.getFullName() : name(p));
                if (wide) {
                    line.addAll(List.of(p.getGroup(), p.getProgram()));
                }
                line.addAll(List.of(ProcessText.state(p.getState()), p.getPid() > 0 ? Integer.toString(p.getPid()) : "-",
                        p.hasUptime() ? ProcessText.hms(p.getUptime()) : "-", Integer.toString(p.getRestartCount()),
                        wide ? detail(p) : shortDetail(p)));
            }
            if (health) {
                line.add(stateColumn + 1, p != null && p.hasHealth() ? health(p.getHealth().getStatus()) : "-");
            }
            cells.add(line);
        }
        int[] width = new int[header.size()];
        for (List<String> line : cells) {
            for (int c = 0; c < width.length; c++) {
                width[c] = Math.max(width[c], line.get(c).length());
            }
        }
        List<String> lines = new ArrayList<>(cells.size());
        for (int r = 0; r < cells.size(); r++) {
            List<String> line = cells.get(r);
            ProcessInfo p = r > 0 ? rows.get(r - 1).process() : null;
            StringBuilder text = new StringBuilder();
            for (int c = 0; c < width.length; c++) {
                String cell = line.get(c);
                boolean last = c == width.length - 1;
                String shown = colour && p != null && c == stateColumn ? paint(p, cell)
                        : colour && p != null && health && c == stateColumn + 1 && p.hasHealth() ? paintHealth(p, cell) : cell;
                text.append(shown);
                if (!last) {
                    text.append(" ".repeat(width[c] - cell.length())).append(GAP);
                }
            }
            lines.add(text.toString().stripTrailing());
        }
        return lines;
    }

    /** {@code GROUP:NAME} for a process of a group not named after its program, else its full name. */
    static String name(ProcessInfo p) {
        return p.getGroup().isEmpty() || p.getGroup().equals(p.getProgram()) ? p.getFullName() : p.getGroup() + ":" + p.getFullName();
    }

    /** The daemon describes a live process as "pid N[, uptime H:MM:SS][, more]": the columns say the first two. */
    private static final java.util.regex.Pattern PID_UPTIME = java.util.regex.Pattern.compile("^pid \\d+(?:, uptime [0-9:]+)?(?:[,;] *)?");

    /** {@link #detail} without the pid and uptime the PID and UPTIME columns show. */
    static String shortDetail(ProcessInfo p) {
        return PID_UPTIME.matcher(detail(p)).replaceFirst("").replaceFirst("^; ", "");
    }

    /**
     * What to say about a process: its spawn error if the last start failed to spawn, else the
     * daemon's description; and, while its log cannot be written, why.
     */
    static String detail(ProcessInfo p) {
        String logTrouble = p.hasLogWriting() && p.getLogWriting().getStopped()
                ? "; log cannot be written: " + p.getLogWriting().getReason() : "";
        if (!p.getSpawnError().isEmpty()) {
            return "spawn error: " + p.getSpawnError() + logTrouble;
        }
        if (!p.getDescription().isEmpty()) {
            return p.getDescription() + logTrouble;
        }
        return (p.hasLastExit() ? ProcessText.exit(p.getLastExit()) : "") + logTrouble;
    }

    /** Green when all is well, yellow in transition, red when something failed. */
    private static String paint(ProcessInfo p, String text) {
        String code = switch (p.getState()) {
            case PROCESS_STATE_RUNNING -> "32";
            case PROCESS_STATE_STARTING, PROCESS_STATE_STOPPING, PROCESS_STATE_PAUSED, PROCESS_STATE_SCHEDULED -> "33";
            case PROCESS_STATE_BACKOFF, PROCESS_STATE_FATAL, PROCESS_STATE_UNKNOWN -> "31";
            case PROCESS_STATE_EXITED -> p.hasLastExit() && p.getLastExit().getExpected() ? null : "31";
            default -> null;
        };
        return code == null ? text : "\u001B[" + code + "m" + text + RESET;
    }

    /** {@code HEALTHY}, {@code UNHEALTHY}, {@code STARTING}; {@code -} when not probed (not running). */
    static String health(dev.taskmaster.proto.v1.HealthStatus s) {
        return switch (s) {
            case HEALTH_STATUS_HEALTHY -> "HEALTHY";
            case HEALTH_STATUS_UNHEALTHY -> "UNHEALTHY";
            case HEALTH_STATUS_STARTING -> "STARTING";
            default -> "-";
        };
    }

    private static String paintHealth(ProcessInfo p, String text) {
        String code = switch (p.getHealth().getStatus()) {
            case HEALTH_STATUS_HEALTHY -> "32";
            case HEALTH_STATUS_STARTING -> "33";
            case HEALTH_STATUS_UNHEALTHY -> "31";
            default -> null;
        };
        return code == null ? text : "\u001B[" + code + "m" + text + RESET;
    }

    static boolean allRunning(List<ProcessInfo> processes) {
        return processes.stream().allMatch(p -> p.getState() == ProcessState.PROCESS_STATE_RUNNING);
    }
}

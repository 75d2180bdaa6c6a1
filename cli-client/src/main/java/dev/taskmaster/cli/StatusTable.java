package dev.taskmaster.cli;

import dev.taskmaster.client.ProcessText;
import dev.taskmaster.proto.v1.ProcessInfo;
import dev.taskmaster.proto.v1.ProcessState;
import java.util.ArrayList;
import java.util.List;

/**
 * The process table of {@code status}: NAME, STATE, PID, UPTIME, RESTARTS, DESCRIPTION, columns
 * aligned on the plain text so colour codes never shift them.
 */
final class StatusTable {

    private static final List<String> HEADER = List.of("NAME", "STATE", "PID", "UPTIME", "RESTARTS", "DESCRIPTION");
    private static final String GAP = "  ";
    private static final String RESET = "\u001B[0m";

    private StatusTable() {}

    static List<String> render(List<ProcessInfo> processes, boolean colour) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(HEADER);
        for (ProcessInfo p : processes) {
            rows.add(List.of(p.getFullName(), ProcessText.state(p.getState()), p.getPid() > 0 ? Integer.toString(p.getPid()) : "-",
                    p.hasUptime() ? ProcessText.hms(p.getUptime()) : "-", Integer.toString(p.getRestartCount()), detail(p)));
        }
        int[] width = new int[HEADER.size()];
        for (List<String> row : rows) {
            for (int c = 0; c < width.length; c++) {
                width[c] = Math.max(width[c], row.get(c).length());
            }
        }
        List<String> lines = new ArrayList<>(rows.size());
        for (int r = 0; r < rows.size(); r++) {
            List<String> row = rows.get(r);
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < width.length; c++) {
                String cell = row.get(c);
                boolean last = c == width.length - 1;
                String shown = colour && r > 0 && c == 1 ? paint(processes.get(r - 1), cell) : cell;
                line.append(shown);
                if (!last) {
                    line.append(" ".repeat(width[c] - cell.length())).append(GAP);
                }
            }
            lines.add(line.toString().stripTrailing());
        }
        return lines;
    }

    /** What to say about a process: its spawn error if the last start failed to spawn, else the daemon's description. */
    static String detail(ProcessInfo p) {
        if (!p.getSpawnError().isEmpty()) {
            return "spawn error: " + p.getSpawnError();
        }
        if (!p.getDescription().isEmpty()) {
            return p.getDescription();
        }
        return p.hasLastExit() ? ProcessText.exit(p.getLastExit()) : "";
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

    static boolean allRunning(List<ProcessInfo> processes) {
        return processes.stream().allMatch(p -> p.getState() == ProcessState.PROCESS_STATE_RUNNING);
    }
}

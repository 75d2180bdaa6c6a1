package dev.taskmaster.tui;

import dev.taskmaster.client.ProcessText;
import dev.taskmaster.proto.v1.DependencyCondition;
import dev.taskmaster.proto.v1.DependencyStatus;
import dev.taskmaster.proto.v1.HealthStatus;
import dev.taskmaster.proto.v1.ProcessInfo;
import dev.taskmaster.proto.v1.ProcessState;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * The details view's lines about {@code depends_on}: what a waiting process waits for, and each
 * program it depends on with the state of its instances as this screen knows them now (the rows
 * move with every event, so the view stays live while the process waits). Stateless; called on
 * the UI thread.
 */
final class DependencyLines {

    private DependencyLines() {}

    static List<String> of(Row row, Collection<Row> all) {
        ProcessInfo p = row.info();
        List<String> out = new ArrayList<>();
        if (p.getState() == ProcessState.PROCESS_STATE_SCHEDULED && !p.getDescription().isEmpty()) {
            out.add("waiting:      " + p.getDescription());
        }
        if (p.getDependenciesCount() == 0) {
            return out;
        }
        out.add("depends on:");
        for (DependencyStatus d : p.getDependenciesList()) {
            List<ProcessInfo> instances = all.stream().filter(r -> r.key.daemon().equals(row.key.daemon()))
                    .map(Row::info).filter(i -> i.getProgram().equals(d.getProgram())).toList();
            // Judged from the rows when there are some: the dependent's own copy changes only with its own events.
            boolean met = instances.isEmpty() ? d.getSatisfied() : instances.stream().allMatch(i -> met(d.getCondition(), i));
            StringBuilder line = new StringBuilder("  ").append(d.getProgram()).append(' ').append(condition(d.getCondition()))
                    .append(": ").append(met ? "met" : "not met");
            if (!instances.isEmpty()) {
                line.append(" (");
                for (int i = 0; i < instances.size(); i++) {
                    ProcessInfo x = instances.get(i);
                    line.append(i == 0 ? "" : ", ").append(x.getFullName()).append(' ').append(ProcessText.state(x.getState()));
                    if (x.hasHealth()) {
                        line.append(' ').append(x.getHealth().getStatus().name().replace("HEALTH_STATUS_", ""));
                    }
                }
                line.append(')');
            }
            out.add(line.toString());
        }
        return out;
    }

    static String condition(DependencyCondition c) {
        return switch (c) {
            case DEPENDENCY_CONDITION_UNSPECIFIED, UNRECOGNIZED -> "started";
            default -> c.name().substring("DEPENDENCY_CONDITION_".length()).toLowerCase(Locale.ROOT);
        };
    }

    /** The daemon's rule (docs/configuration.md, Dependencies), for one instance. */
    private static boolean met(DependencyCondition c, ProcessInfo i) {
        ProcessState s = i.getState();
        return switch (c) {
            case DEPENDENCY_CONDITION_RUNNING -> s == ProcessState.PROCESS_STATE_RUNNING || s == ProcessState.PROCESS_STATE_PAUSED;
            case DEPENDENCY_CONDITION_HEALTHY -> (s == ProcessState.PROCESS_STATE_STARTING || s == ProcessState.PROCESS_STATE_RUNNING)
                    && i.hasHealth() && i.getHealth().getStatus() == HealthStatus.HEALTH_STATUS_HEALTHY;
            case DEPENDENCY_CONDITION_COMPLETED_SUCCESSFULLY -> s == ProcessState.PROCESS_STATE_EXITED && i.getLastExit().getExpected();
            default -> s == ProcessState.PROCESS_STATE_STARTING || s == ProcessState.PROCESS_STATE_RUNNING
                    || s == ProcessState.PROCESS_STATE_PAUSED || s == ProcessState.PROCESS_STATE_EXITED;
        };
    }
}

package dev.taskmaster.tui;

import dev.taskmaster.client.ProcessText;
import dev.taskmaster.proto.v1.ProcessState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Rows to table lines: filter, group, collapse, sort. A group gets a header line only when it
 * has more than one process (most programs are a group of one and read better without one);
 * its processes stay together under it, and groups are placed by their first process in the
 * chosen order.
 */
final class TableLines {

    private TableLines() {}

    static List<Line> build(Collection<Row> rows, List<String> daemonOrder, String filter, Set<String> collapsed,
                            ScreenModel.Sort sort, boolean reversed, Instant now) {
        Comparator<Row> order = comparator(sort, now, daemonOrder);
        if (reversed) {
            order = order.reversed();
        }
        Map<String, List<Row>> groups = new LinkedHashMap<>();
        Map<String, Integer> groupSizes = new LinkedHashMap<>();
        String needle = filter.toLowerCase(Locale.ROOT).strip();
        for (Row r : rows) {
            String gid = r.key.daemon() + "\u0000" + r.group();
            groupSizes.merge(gid, 1, Integer::sum);
            if (needle.isEmpty() || matches(r, needle)) {
                groups.computeIfAbsent(gid, k -> new ArrayList<>()).add(r);
            }
        }
        List<List<Row>> units = new ArrayList<>();
        for (List<Row> members : groups.values()) {
            members.sort(order);
            units.add(members);
        }
        Comparator<Row> unitOrder = order;
        units.sort((a, b) -> unitOrder.compare(a.getFirst(), b.getFirst()));
        List<Line> lines = new ArrayList<>();
        for (List<Row> members : units) {
            Row first = members.getFirst();
            String gid = first.key.daemon() + "\u0000" + first.group();
            if (groupSizes.get(gid) > 1) {
                Line.Group header = new Line.Group(first.key.daemon(), first.group(), List.copyOf(members), false);
                boolean folded = collapsed.contains(header.id());
                lines.add(folded ? new Line.Group(header.daemon(), header.group(), header.members(), true) : header);
                if (!folded) {
                    members.forEach(r -> lines.add(new Line.Process(r, true)));
                }
            } else {
                members.forEach(r -> lines.add(new Line.Process(r, false)));
            }
        }
        return lines;
    }

    private static boolean matches(Row r, String needle) {
        return r.key.fullName().toLowerCase(Locale.ROOT).contains(needle)
                || r.group().toLowerCase(Locale.ROOT).contains(needle)
                || r.key.daemon().toLowerCase(Locale.ROOT).contains(needle)
                || ProcessText.state(r.state()).toLowerCase(Locale.ROOT).contains(needle);
    }

    private static Comparator<Row> comparator(ScreenModel.Sort sort, Instant now, List<String> daemonOrder) {
        // Each daemon's place looked up once, not searched for in every comparison: with 50 hosts
        // and 1,000 rows, List.indexOf here was 40 % of the monitor's CPU (bench/fleet).
        Map<String, Integer> place = new HashMap<>();
        for (String d : daemonOrder) {
            place.putIfAbsent(d, place.size());
        }
        Comparator<Row> byName = Comparator.<Row>comparingInt(r -> place.getOrDefault(r.key.daemon(), -1))
                .thenComparing(r -> r.key.fullName());
        Comparator<Row> key = switch (sort) {
            case NAME -> (a, b) -> 0;
            case STATE -> Comparator.comparingInt(r -> severity(r));
            // The biggest first: what a user sorts by these for.
            case UPTIME -> Comparator.comparingLong((Row r) -> r.uptimeSeconds(now)).reversed();
            case RESTARTS -> Comparator.comparingInt((Row r) -> r.info().getRestartCount()).reversed();
            case CPU -> Comparator.comparingDouble((Row r) -> r.usage() == null ? -1 : r.usage().getCpuPercent()).reversed();
            case RSS -> Comparator.comparingLong((Row r) -> r.usage() == null ? -1 : r.usage().getRssBytes()).reversed();
        };
        return key.thenComparing(byName);
    }

    /** Trouble first: the order a user scanning for problems wants. */
    static int severity(Row r) {
        ProcessState s = r.state();
        return switch (s) {
            case PROCESS_STATE_FATAL -> 0;
            case PROCESS_STATE_BACKOFF -> 1;
            case PROCESS_STATE_UNKNOWN -> 2;
            case PROCESS_STATE_EXITED -> r.failing() ? 3 : 7;
            case PROCESS_STATE_STOPPING -> 4;
            case PROCESS_STATE_STARTING -> 5;
            case PROCESS_STATE_PAUSED -> 6;
            case PROCESS_STATE_SCHEDULED -> 8;
            case PROCESS_STATE_STOPPED -> 9;
            case PROCESS_STATE_RUNNING -> 10;
            default -> 11;
        };
    }
}

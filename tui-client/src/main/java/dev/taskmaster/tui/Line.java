package dev.taskmaster.tui;

import java.util.List;

/** One line of the process table: a group header or a process. */
sealed interface Line {

    /** Stable identity, so the selection survives re-sorting and updates. */
    String id();

    String daemon();

    /** A group of several processes; when collapsed its processes are not listed. */
    record Group(String daemon, String group, List<Row> members, boolean collapsed) implements Line {
        @Override
        public String id() {
            return "g/" + daemon + "/" + group;
        }
    }

    /** One process; {@code grouped} when it is listed under a group header. */
    record Process(Row row, boolean grouped) implements Line {
        @Override
        public String id() {
            return "p/" + row.key.daemon() + "/" + row.key.fullName();
        }

        @Override
        public String daemon() {
            return row.key.daemon();
        }
    }
}

package dev.taskmaster.cli;

import com.google.protobuf.util.Durations;
import dev.taskmaster.proto.v1.ListProgramsRequest;
import dev.taskmaster.proto.v1.ProgramSpec;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc.TaskmasterServiceBlockingStub;
import java.time.Duration;
import java.util.List;

/**
 * How long a waiting verb gives the daemon when {@code --timeout} was not typed: at least the
 * default, and long enough for the slowest program named to stop ({@code stoptime}) and to
 * count as started ({@code starttime}), plus a margin. Issue 16: a program with
 * {@code starttime: 40} was reported ERROR after 29 s although nothing was wrong. The programs
 * come from one ListPrograms; when no target can be told to name a program, every program
 * counts. Stateless.
 */
final class ProgramWaits {

    /** Room for the daemon's own work around the programs' times: spawning, reaping, answering. */
    static final Duration MARGIN = Duration.ofSeconds(5);

    private ProgramWaits() {}

    /**
     * @param stub     for the two short calls that find the targets' programs
     * @param fallback the default deadline, also used when the programs cannot be read
     */
    static Duration deadline(TaskmasterServiceBlockingStub stub, List<String> targets, Duration fallback) {
        try {
            List<ProgramSpec> programs = stub.listPrograms(ListProgramsRequest.getDefaultInstance()).getProgramsList();
            List<ProgramSpec> named = programs.stream().filter(p -> targets.stream().anyMatch(t -> names(t, p))).toList();
            Duration slowest = Duration.ZERO;
            for (ProgramSpec p : named.isEmpty() ? programs : named) {
                Duration needed = duration(p.hasStarttime() ? p.getStarttime() : null).plus(duration(p.hasStoptime() ? p.getStoptime() : null));
                slowest = needed.compareTo(slowest) > 0 ? needed : slowest;
            }
            Duration wanted = slowest.plus(MARGIN);
            return wanted.compareTo(fallback) > 0 ? wanted : fallback;
        } catch (io.grpc.StatusRuntimeException e) {
            // An old daemon, or one that refuses: the default, and the command itself says what is wrong.
            return fallback;
        }
    }

    /**
     * Whether {@code target} may name processes of {@code p}, told from the program alone (one call,
     * no resolution): all, the program, its group, or an instance or GROUP:NAME beginning with either.
     */
    static boolean names(String target, ProgramSpec p) {
        String group = p.getGroup().isEmpty() ? p.getName() : p.getGroup();
        return target.equals("all") || target.equals(p.getName()) || target.equals(group)
                || target.startsWith(p.getName() + ":") || target.startsWith(p.getName() + "_") || target.startsWith(group + ":");
    }

    private static Duration duration(com.google.protobuf.Duration d) {
        return d == null ? Duration.ZERO : Duration.ofNanos(Durations.toNanos(d));
    }
}

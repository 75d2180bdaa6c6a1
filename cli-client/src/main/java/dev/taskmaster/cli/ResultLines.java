package dev.taskmaster.cli;

import dev.taskmaster.proto.v1.ProcessResult;
import io.grpc.Status;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/** supervisorctl's one line per process: {@code web:0: started}, {@code web:1: ERROR (spawn error: …)}. */
final class ResultLines {

    /**
     * What a verb says of a process.
     *
     * @param done      the command took effect and was waited for ("started")
     * @param initiated the command took effect, not waited for ("starting")
     * @param unchanged the process already was where the command would take it ("already started")
     */
    record Words(String done, String initiated, String unchanged) {}

    private ResultLines() {}

    /** True if the command succeeded for every process. */
    static boolean allOk(List<ProcessResult> results) {
        return results.stream().allMatch(r -> r.getStatus().getCode() == Status.Code.OK.value());
    }

    /** Prints one line per result. */
    static void print(PrintWriter out, List<ProcessResult> results, Words words, boolean waited) {
        for (ProcessResult r : results) {
            boolean ok = r.getStatus().getCode() == Status.Code.OK.value();
            String what = !ok ? "ERROR (" + error(r) + ")"
                    : !r.getChanged() ? words.unchanged()
                    : waited ? words.done() : words.initiated();
            out.println(r.getFullName() + ": " + what);
        }
    }

    /** The daemon's message; a failed spawn says what failed, as supervisorctl does. */
    private static String error(ProcessResult r) {
        Status.Code code = Status.fromCodeValue(r.getStatus().getCode()).getCode();
        String spawnError = r.getProcess().getSpawnError();
        if (code == Status.Code.ABORTED && !spawnError.isEmpty() && !r.getStatus().getMessage().contains(spawnError)) {
            return "spawn error: " + spawnError;
        }
        if (!r.getStatus().getMessage().isEmpty()) {
            return r.getStatus().getMessage();
        }
        return code.name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }
}

package dev.taskmaster.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Code;
import dev.taskmaster.proto.v1.ClearOutputRequest;
import dev.taskmaster.proto.v1.ClearOutputResponse;
import dev.taskmaster.proto.v1.ListProgramsResponse;
import dev.taskmaster.proto.v1.ProcessResult;
import dev.taskmaster.proto.v1.ProgramSpec;
import org.junit.jupiter.api.Test;

/**
 * What a supervisorctl user types (issue 16): clear, avail, reread and update, and a mistyped
 * verb; each answers in one line with a documented exit code instead of picocli's "Unmatched
 * argument".
 */
class SupervisorctlHabitsTest extends CtlTest {

    @Test
    void anUnknownVerbSaysUnknownCommandAndTheNearestVerbs() {
        Result r = run("sta");
        assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("taskmasterctl: unknown command \"sta\"; did you mean start or status?"
                + " ('taskmasterctl --help' lists the verbs)\n");
        assertThat(r.out()).isEmpty();
        assertThat(run("stauts").err()).isEqualTo("taskmasterctl: unknown command \"stauts\"; did you mean status or start?"
                + " ('taskmasterctl --help' lists the verbs)\n");
        assertThat(run("-i", "blue", "strat", "web").err()).startsWith("taskmasterctl: unknown command \"strat\"; did you mean start?");
        // Hidden verbs are never suggested.
        assertThat(run("rered").err()).doesNotContain("reread");
        assertThat(run("frobnicate").err()).isEqualTo("taskmasterctl: unknown command \"frobnicate\""
                + " ('taskmasterctl --help' lists the verbs)\n");
        assertThat(daemon.received).isEmpty();
    }

    @Test
    void rereadAndUpdateWithoutAProgramPointAtReload() {
        Result reread = run("reread");
        assertThat(reread.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(reread.err()).isEqualTo("taskmasterctl: reread: supervisorctl's reread is 'reload -n' here (validate the file,"
                + " show what would change); 'reload' applies it (supervisorctl's update)\n");
        for (String[] update : new String[][] {{"update"}, {"update", "all"}}) {
            Result r = run(update);
            assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
            assertThat(r.err()).isEqualTo("taskmasterctl: update: supervisorctl's update is 'reload' here (apply the configuration"
                    + " file; 'reload -n' shows what would change); 'update NAME OPTIONS' changes one program at runtime\n");
        }
        assertThat(run("help").out()).doesNotContain("reread");
        assertThat(daemon.received).isEmpty();
    }

    @Test
    void clearEmptiesTheOutputOfTheTargets() {
        daemon.answer("ClearOutput", ClearOutputResponse.newBuilder()
                .addResults(ProcessResult.newBuilder().setFullName("web:0").setChanged(true)
                        .setStatus(com.google.rpc.Status.newBuilder().setCode(Code.OK_VALUE).setMessage("output cleared")))
                .addResults(ProcessResult.newBuilder().setFullName("web:1")
                        .setStatus(com.google.rpc.Status.newBuilder().setCode(Code.FAILED_PRECONDITION_VALUE)
                                .setMessage("web:1: cannot clear the log file: disk gone")))
                .build());

        Result r = run("clear", "web");

        assertThat(daemon.requests(ClearOutputRequest.class)).extracting(q -> java.util.List.copyOf(q.getTargetsList())).containsExactly(java.util.List.of("web"));
        assertThat(r.outLines()).containsExactly("web:0: cleared", "web:1: ERROR (web:1: cannot clear the log file: disk gone)");
        assertThat(r.exit()).isEqualTo(ExitCodes.FAILED);
        assertThat(run("clear").exit()).isEqualTo(ExitCodes.USAGE); // a target is required
    }

    @Test
    void availListsEveryConfiguredProgram() {
        daemon.answer("ListPrograms", ListProgramsResponse.newBuilder()
                .addPrograms(ProgramSpec.newBuilder().setName("db").setGroup("data").setNumprocs(1).setAutostart(true).setPriority(10))
                .addPrograms(ProgramSpec.newBuilder().setName("web").setNumprocs(4).setAutostart(false).setPriority(999))
                .build());

        Result r = run("avail");

        assertThat(r.exit()).isZero();
        assertThat(r.outLines()).containsExactly(
                "PROGRAM  GROUP  STATE   PROCS  AUTO    PRIORITY",
                "db       data   in use  1      auto    10",
                "web      web    in use  4      manual  999");
    }
}

package dev.taskmaster.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** A one-shot command builds only its own verb; anything else gets the whole tree. */
class CommandTreeTest extends CtlTest {

    private java.util.Set<String> verbsBuiltFor(String... args) {
        return TaskmasterCtl.commandLine(session(new StringWriter(), new StringWriter()), args).getSubcommands().keySet();
    }

    @Test
    void theVerbIsTheFirstWordThatIsNotAGlobalOptionOrItsValue() {
        assertThat(TaskmasterCtl.verbOf("status", "web")).isEqualTo("status");
        assertThat(TaskmasterCtl.verbOf("-i", "blue", "--timeout", "5s", "stop", "web")).isEqualTo("stop");
        assertThat(TaskmasterCtl.verbOf("--socket=/tmp/x", "pid")).isEqualTo("pid");
        assertThat(TaskmasterCtl.verbOf("--instance", "status")).isNull(); // "status" is the instance's name here
        assertThat(TaskmasterCtl.verbOf("--", "status")).isNull();
        assertThat(TaskmasterCtl.verbOf()).isNull();
    }

    @Test
    void oneShotBuildsOneVerbAndTheRestBuildEverything() {
        assertThat(verbsBuiltFor("-i", "blue", "status")).containsExactly("status");
        // 30: issue 16 added avail, clear, completion and the hidden reread; issue 13 daemon (reexec); 31: issue 15 notify (test).
        assertThat(verbsBuiltFor("help", "status")).contains("status", "stop", "attach", "help").hasSize(31);
        assertThat(verbsBuiltFor("stauts")).hasSize(31); // a typo still gets "did you mean"
        assertThat(verbsBuiltFor()).hasSize(31);
        assertThat(verbsBuiltFor("shell")).hasSize(31);
    }

    @Test
    void aMistypedVerbIsStillAnsweredWithSuggestions() {
        Result r = run("stauts");

        assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("did you mean").contains("status");
    }

    @Test
    void inheritedGlobalOptionsWorkAfterTheVerbOfAOneVerbTree() {
        daemon.answer("ListProcesses", dev.taskmaster.proto.v1.ListProcessesResponse.newBuilder()
                .addProcesses(Fixtures.running("web", 7, 1)).build());

        Result r = run("status", "--instance", "blue", "--timeout", "3s");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(socketsOpened.getLast().toString()).endsWith("blue.sock");
    }

    @Test
    void helpAndVersionBuildNoVerbButListThemAllAsTheWholeTreeDoes() {
        for (String[] args : new String[][] {{"--help"}, {"-h"}, {"--socket", "/x.sock", "--help"}, {"-V"}, {"--version"}}) {
            assertThat(TaskmasterCtl.printsOnly(args)).as(String.join(" ", args)).isTrue();
        }
        assertThat(TaskmasterCtl.printsOnly("status", "--help")).isFalse(); // the verb's own help: the verb is built
        assertThat(TaskmasterCtl.printsOnly("--socket", "--help")).isFalse(); // "--help" is the socket's path here
        assertThat(TaskmasterCtl.printsOnly("--", "--help")).isFalse();
        assertThat(TaskmasterCtl.printsOnly()).isFalse();

        StringWriter full = new StringWriter();
        TaskmasterCtl.commandLine(session(new StringWriter(), new StringWriter())).usage(new java.io.PrintWriter(full));
        Result outlined = run("--help");

        assertThat(outlined.exit()).isZero();
        assertThat(outlined.out()).isEqualTo(full.toString()).contains("status", "attach", "completion").doesNotContain("reread");
        assertThat(verbsBuiltFor("--help")).hasSize(31);
        assertThat(run("--version").out()).startsWith("taskmasterctl ");
    }

    @Test
    void everyVerbsOutlineIsOfItsOwnClass() {
        for (String name : TaskmasterCtl.VERBS) {
            assertThat(TaskmasterCtl.verbType(name)).as(name).isEqualTo(TaskmasterCtl.newVerb(name).getClass());
            assertThat(TaskmasterCtl.outline(TaskmasterCtl.verbType(name)).getCommandName()).isEqualTo(name);
        }
    }
}

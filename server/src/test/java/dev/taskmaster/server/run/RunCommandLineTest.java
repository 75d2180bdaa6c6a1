package dev.taskmaster.server.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.server.daemon.DaemonCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code taskmasterd run} on the daemon's command line: options end at the command, and bad usage is 125. */
class RunCommandLineTest {

    @Test
    void optionsEndAtTheCommandWithOrWithoutDoubleDash() {
        for (List<String> args : List.of(List.of("run", "--max-restarts", "0", "sh", "-c", "exit 4", "--name", "x"),
                List.of("run", "--max-restarts", "0", "--", "sh", "-c", "exit 4", "--name", "x"))) {
            CommandLine.ParseResult parsed = DaemonCommand.commandLine(null).parseArgs(args.toArray(String[]::new));
            RunCommand run = (RunCommand) parsed.subcommand().commandSpec().userObject();
            assertThat(run.command).containsExactly("sh", "-c", "exit 4", "--name", "x");
            assertThat(run.maxRestarts).isEqualTo("0");
            assertThat(run.name).isNull();
        }
    }

    @Test
    void badUsageIs125AndSaysWhy() {
        CommandLine cl = DaemonCommand.commandLine(null);
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        assertThat(cl.execute("run", "--bogus", "--", "true")).isEqualTo(125);
        assertThat(err.toString()).contains("Unknown option: '--bogus'");
        assertThat(cl.execute("run")).isEqualTo(125);
    }
}

package dev.taskmaster.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program that passes validation can be started: what the kernel or the file system would
 * refuse later (a NUL in an argument, a log file name past NAME_MAX, a command line past
 * ARG_MAX) is refused here, at the place it is written (issue 12). A program added through the
 * API is loaded by the same code, so it gets the same errors.
 */
class RunnableProgramTest {

    @TempDir
    Path tmp;
    ConfigFiles files;

    @BeforeEach
    void setUp() {
        files = new ConfigFiles(tmp);
    }

    List<String> errors(String yaml) {
        return files.errors(yaml).stream().map(ConfigError::toString).toList();
    }

    String file() {
        return tmp.resolve("taskmaster.yaml").toString();
    }

    @Test
    void aNameOfTwoHundredCharactersIsTheLongestAProgramOrGroupMayHave() {
        String longest = "a".repeat(Limits.NAME_CHARS);
        assertThat(files.program("programs:\n  " + longest + ": {cmd: x, numprocs: 10000}\n").instances().getLast().name())
                .isEqualTo(longest + ":9999");
        String tooLong = "b".repeat(300);
        assertThat(errors("programs:\n  " + tooLong + ": {cmd: x}\n")).containsExactly(file() + ":2:3: programs." + tooLong
                + ": expected a program name of at most 200 characters (it names log files, and a file name has at most"
                + " 255 bytes), found \"" + "b".repeat(100) + "…" + "b".repeat(50) + " (300 characters)\"");
        assertThat(errors("programs:\n  web: {cmd: x, group: " + tooLong + "}\n")).singleElement().asString()
                .startsWith(file() + ":2:24: programs.web.group: expected a group name of at most 200 characters");
    }

    @Test
    void anInstanceNameWhoseLogFileWouldNotFitInAFileNameIsRefused() {
        String pattern = "%(program_name)s-%(program_name)s";
        String name = "p".repeat(120);
        assertThat(errors("programs:\n  " + name + ": {cmd: x, process_name: \"" + pattern + "\"}\n")).singleElement()
                .asString().startsWith(file() + ":2:148: programs." + name + ".process_name: expected instance names of at"
                        + " most 239 characters (so that the log file <instance>.stderr.log.1000 fits in a file name's 255"
                        + " bytes), found \"");
        // 239 is allowed: its longest log file name is exactly 255 bytes.
        assertThat(files.program("programs:\n  x: {cmd: x, process_name: \"" + "i".repeat(239) + "\"}\n").instances()
                .getFirst().name()).hasSize(239);
    }

    @Test
    void aNulInTheCommandTheEnvironmentOrTheUserIsRefusedWhereItIsWritten() {
        assertThat(errors("programs:\n  web:\n    cmd: \"/bin/echo a\\0b\"\n")).containsExactly(file()
                + ":3:10: programs.web.cmd: expected a command line without NUL characters (the kernel ends every argument,"
                + " variable and name at a NUL), found one at character 12");
        assertThat(errors("programs:\n  web:\n    cmd: x\n    env: {A: \"1\\x002\"}\n")).containsExactly(file()
                + ":4:14: programs.web.env.A: expected a value without NUL characters (the kernel ends every argument,"
                + " variable and name at a NUL), found one at character 2");
        assertThat(errors("programs:\n  web:\n    cmd: x\n    user: \"root\\0\"\n")).singleElement().asString()
                .startsWith(file() + ":4:11: programs.web.user: expected a user name or uid without NUL characters");
        assertThat(errors("programs:\n  web:\n    cmd: x\n    workingdir: \"/tmp\\0x\"\n")).singleElement().asString()
                .startsWith(file() + ":4:17: programs.web.workingdir: invalid path \"/tmp\\0x\"");
    }

    @Test
    void aCommandLineTheKernelCouldNotExecIsRefused() {
        String word = "w".repeat(Limits.EXEC_STRING_BYTES);
        assertThat(errors("programs:\n  web:\n    cmd: /bin/echo " + word + "\n")).containsExactly(file()
                + ":3:10: programs.web.cmd: expected arguments of at most 131072 bytes each (the kernel's limit,"
                + " MAX_ARG_STRLEN), found one of 131073 bytes");
        String many = " abcdefghi".repeat(250_000);
        assertThat(errors("programs:\n  web:\n    cmd: /bin/echo" + many + "\n")).containsExactly(file()
                + ":3:10: programs.web.cmd: expected a command line and env of at most 2097152 bytes (2 MiB) together (the"
                + " kernel's limit, ARG_MAX), found 2500010 bytes in 250001 arguments and 0 variables");
        // Just under the limits: accepted.
        assertThat(files.program("programs:\n  web:\n    cmd: /bin/echo " + "w".repeat(Limits.EXEC_STRING_BYTES - 1) + "\n")
                .argv()).hasSize(2);
    }
}

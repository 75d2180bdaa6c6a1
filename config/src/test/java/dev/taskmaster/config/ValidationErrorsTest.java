package dev.taskmaster.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every validation error: its exact message, line, column and key path. */
class ValidationErrorsTest {

    @TempDir
    Path tmp;
    ConfigFiles files;

    @BeforeEach
    void setUp() {
        files = new ConfigFiles(tmp);
    }

    /** What an unknown program key with no close match is told; written out, not taken from the parser. */
    static final String PROGRAM_KEYS = "adopt, autorestart, autostart, backoff, cmd, cron, depends_on, env, exitcodes, group, health_check,"
            + " killasgroup, killmode,"
            + " logfile_backups, logfile_maxbytes, logfile_mode, logfile_timestamps, max_restarts, numprocs, on_log_full,"
            + " output_buffer,"
            + " priority, process_name,"
            + " redirect_stderr, start_delay, startretries, starttime, stderr, stderr_syslog, stdout, stdout_syslog, stopasgroup, stopsignal, stoptime, tty,"
            + " umask, user, workingdir";

    /** A one-program file with {@code line} as its third line (line 3, after programs: and a:). */
    private String withLine(String line) {
        return files.error("programs:\n  a:\n    cmd: x\n    " + line + "\n");
    }

    @Test
    void unknownKeyWithSuggestion() {
        assertThat(withLine("autostrat: true"))
                .isEqualTo("4:5: programs.a.autostrat: unknown key \"autostrat\"; did you mean \"autostart\"?");
        assertThat(withLine("stoptimes: 3"))
                .isEqualTo("4:5: programs.a.stoptimes: unknown key \"stoptimes\"; did you mean \"stoptime\"?");
    }

    @Test
    void unknownKeyWithoutAnythingClose() {
        assertThat(withLine("colour: blue"))
                .isEqualTo("4:5: programs.a.colour: unknown key \"colour\"; expected one of: " + PROGRAM_KEYS);
        assertThat(withLine("frobnicate: 3"))
                .isEqualTo("4:5: programs.a.frobnicate: unknown key \"frobnicate\"; expected one of: " + PROGRAM_KEYS);
    }

    // Issue 13: "Located config errors (file:line:column) for bad adopt: keys (exactly one of
    // pidfile/match; match a valid non-empty string; pidfile absolute)".
    @Test
    void adoptTakesExactlyOneOfAnAbsolutePidfileAndAValidMatch() {
        assertThat(files.program("programs:\n  a:\n    cmd: x\n    adopt: {pidfile: /run/a.pid}\n").adopt())
                .contains(new AdoptSpec.Pidfile(java.nio.file.Path.of("/run/a.pid")));
        assertThat(files.program("programs:\n  a:\n    cmd: x\n    adopt:\n      match: \"dockerd( |$)\"\n").adopt())
                .contains(new AdoptSpec.Match("dockerd( |$)"));
        assertThat(files.program("programs:\n  a:\n    cmd: x\n").adopt()).isEmpty();
        assertThat(withLine("adopt: {pidfile: run/a.pid}")).isEqualTo("4:22: programs.a.adopt.pidfile: expected an absolute"
                + " path, found \"run/a.pid\"; the daemon's working directory is no place to look for a pidfile");
        assertThat(withLine("adopt: {pidfile: /run/a.pid, match: a}")).isEqualTo("4:41: programs.a.adopt.match:"
                + " expected exactly one of pidfile and match, found both; keep one");
        assertThat(withLine("adopt: {}")).isEqualTo("4:12: programs.a.adopt: expected exactly one of pidfile and match, found neither");
        assertThat(withLine("adopt: {match: \"\"}")).isEqualTo("4:20: programs.a.adopt.match: expected a regular expression"
                + " that finds a command line, found an empty one");
        assertThat(withLine("adopt: {match: \"(\"}")).startsWith("4:20: programs.a.adopt.match: expected a regular"
                + " expression, found \"(\": Unclosed group");
        assertThat(withLine("adopt: {pid: 3}")).startsWith("4:13: programs.a.adopt.pid: unknown key \"pid\"");
        assertThat(withLine("adopt: dockerd")).isEqualTo("4:12: programs.a.adopt: expected a mapping with pidfile or match,"
                + " found \"dockerd\"");
    }

    @Test
    void supervisordNamesPointToOurs() {
        assertThat(files.errors("programs:\n  a:\n    command: x\n")).extracting(ConfigFiles::located).containsExactly(
                "3:5: programs.a: expected the required key \"cmd\" (the command line to run), found no such key",
                "3:5: programs.a.command: unknown key \"command\"; did you mean \"cmd\"?");
        assertThat(withLine("comand: x")).isEqualTo(
                "4:5: programs.a.comand: unknown key \"comand\"; did you mean \"cmd\"?");
        assertThat(withLine("startsecs: 3")).isEqualTo(
                "4:5: programs.a.startsecs: unknown key \"startsecs\"; did you mean \"starttime\"?");
        assertThat(withLine("stderr_logfile_maxbytes: 1MB")).isEqualTo("4:5: programs.a.stderr_logfile_maxbytes:"
                + " unknown key \"stderr_logfile_maxbytes\"; did you mean \"logfile_maxbytes\"?");
        assertThat(withLine("directory: /tmp")).isEqualTo(
                "4:5: programs.a.directory: unknown key \"directory\"; did you mean \"workingdir\"?");
    }

    @Test
    void unknownTopLevelKey() {
        assertThat(files.error("programz:\n  a:\n    cmd: x\n")).isEqualTo(
                "1:1: unknown key \"programz\"; did you mean \"programs\"?".replace("1:1: ", "1:1: programz: "));
        assertThat(files.error("services: {}\n")).isEqualTo(
                "1:1: services: unknown key \"services\"; expected one of: include, notify, programs, server, or an x- key for anchors");
    }

    @Test
    void missingCmd() {
        assertThat(files.error("programs:\n  a:\n    numprocs: 2\n"))
                .isEqualTo("3:5: programs.a: expected the required key \"cmd\" (the command line to run), found no such key");
        assertThat(files.error("programs:\n  a:\n")).isEqualTo("2:3: programs.a: expected the required key \"cmd\" (the command line to run), found no such key");
    }

    @Test
    void emptyCommand() {
        assertThat(files.error("programs:\n  a:\n    cmd: \"  \"\n")).isEqualTo("3:10: programs.a.cmd: the command is empty");
    }

    @Test
    void cmdOfTheWrongType() {
        assertThat(files.error("programs:\n  a:\n    cmd: [ls, -l]\n"))
                .isEqualTo("3:10: programs.a.cmd: expected a command line, found a list");
    }

    @Test
    void unterminatedQuoteInCmd() {
        assertThat(files.error("programs:\n  a:\n    cmd: \"echo 'hi\"\n"))
                .isEqualTo("3:10: programs.a.cmd: unterminated single quote at character 6");
    }

    @Test
    void shellSyntaxInCmdIsRejectedBecauseThereIsNoShell() {
        assertThat(files.error("programs:\n  a:\n    cmd: echo hi > /tmp/out\n")).isEqualTo(
                "3:10: programs.a.cmd: \">\" is shell syntax, but cmd runs without a shell;"
                        + " quote it to pass it as an argument, or run a shell: sh -c '…'");
        assertThat(files.error("programs:\n  a:\n    cmd: a | b\n")).isEqualTo(
                "3:10: programs.a.cmd: \"|\" is shell syntax, but cmd runs without a shell;"
                        + " quote it to pass it as an argument, or run a shell: sh -c '…'");
        assertThat(files.error("programs:\n  a:\n    cmd: run 2>&1\n")).isEqualTo(
                "3:10: programs.a.cmd: \"2>&1\" is shell syntax, but cmd runs without a shell;"
                        + " quote it to pass it as an argument, or run a shell: sh -c '…'");
        assertThat(files.program("programs:\n  a:\n    cmd: \"echo '>' \\\\| x\"\n").argv())
                .containsExactly("echo", ">", "|", "x");
    }

    @ParameterizedTest(name = "numprocs: {0}")
    @CsvSource({"0, 0", "-1, -1", "'\"3\"', '\"3\"'", "three, '\"three\"'", "1.5, 1.5", "10001, 10001"})
    void numprocsMustBeAPositiveInteger(String written, String found) {
        assertThat(withLine("numprocs: " + written)).isEqualTo(
                "4:15: programs.a.numprocs: expected an integer from 1 to 10000, found " + found);
    }

    @Test
    void wrongTypes() {
        assertThat(withLine("autostart: maybe"))
                .isEqualTo("4:16: programs.a.autostart: expected true or false, found \"maybe\"");
        assertThat(withLine("autostart: \"true\""))
                .isEqualTo("4:16: programs.a.autostart: expected true or false, found \"true\"");
        assertThat(withLine("env: [A=1]"))
                .isEqualTo("4:10: programs.a.env: expected a mapping of variable names to values, found a list");
        assertThat(withLine("priority: high"))
                .isEqualTo("4:15: programs.a.priority: expected an integer >= -2147483647, found \"high\"");
        assertThat(withLine("startretries: -2"))
                .isEqualTo("4:19: programs.a.startretries: expected an integer >= -1, found -2");
        assertThat(withLine("stdout:"))
                .isEqualTo("4:12: programs.a.stdout: expected a file path, \"none\" or \"capture\", found nothing");
        assertThat(withLine("user: \"\""))
                .isEqualTo("4:11: programs.a.user: expected a user name or uid, found an empty string");
        assertThat(files.error("programs: [a, b]\n"))
                .isEqualTo("1:11: programs: expected a mapping of program names to settings, found a list");
        assertThat(files.error("programs:\n  a: /bin/true\n"))
                .isEqualTo("2:6: programs.a: expected a mapping of program settings, found \"/bin/true\"");
        assertThat(files.error("- a\n- b\n"))
                .isEqualTo("1:1: expected a mapping with server, programs and include, found a list");
    }

    @Test
    void negativeTimes() {
        assertThat(withLine("starttime: -1")).isEqualTo("4:16: programs.a.starttime: expected a duration (seconds,"
                + " or a number with ms, s, m or h, like 500ms or 1m30s), found a negative time -1");
        assertThat(withLine("stoptime: 5 minutes")).isEqualTo("4:15: programs.a.stoptime: expected a duration"
                + " (seconds, or a number with ms, s, m or h, like 500ms or 1m30s), found \"5 minutes\"");
    }

    @Test
    void unknownRestartPolicy() {
        assertThat(withLine("autorestart: sometimes")).isEqualTo(
                "4:18: programs.a.autorestart: expected always, never or unexpected, found \"sometimes\"");
    }

    @Test
    void unknownSignalNames() {
        assertThat(withLine("stopsignal: TERMINATE")).isEqualTo("4:17: programs.a.stopsignal: unknown signal"
                + " \"TERMINATE\"; expected a name such as TERM, SIGTERM, INT, HUP, QUIT, KILL, USR1, USR2,"
                + " or a number from 1 to 64");
        assertThat(withLine("stopsignal: SIGTREM")).isEqualTo("4:17: programs.a.stopsignal: unknown signal"
                + " \"SIGTREM\"; expected a name such as TERM, SIGTERM, INT, HUP, QUIT, KILL, USR1, USR2,"
                + " or a number from 1 to 64; did you mean \"TERM\"?");
        assertThat(withLine("stopsignal: 65")).isEqualTo("4:17: programs.a.stopsignal: unknown signal 65;"
                + " expected a name such as TERM, SIGTERM, INT, HUP, QUIT, KILL, USR1, USR2, or a number from 1 to 64");
        assertThat(withLine("stopsignal: 0")).isEqualTo("4:17: programs.a.stopsignal: unknown signal 0;"
                + " expected a name such as TERM, SIGTERM, INT, HUP, QUIT, KILL, USR1, USR2, or a number from 1 to 64");
    }

    @Test
    void exitCodesOutOfRange() {
        assertThat(withLine("exitcodes: [0, 256]"))
                .isEqualTo("4:20: programs.a.exitcodes[1]: expected an integer from 0 to 255, found 256");
        assertThat(withLine("exitcodes: -1"))
                .isEqualTo("4:16: programs.a.exitcodes: expected an integer from 0 to 255, found -1");
    }

    @ParameterizedTest(name = "umask: {0}")
    @CsvSource({"999, 999", "abc, '\"abc\"'", "01000, 01000", "'\"\"', '\"\"'"})
    void badUmask(String written, String found) {
        assertThat(withLine("umask: " + written))
                .isEqualTo("4:12: programs.a.umask: expected an octal umask from 000 to 777, like 022, found " + found);
    }

    /** A log must stay readable and writable by the daemon that owns it: 0600 at least, 0777 at most. */
    @ParameterizedTest(name = "logfile_mode: {0}")
    @CsvSource({"999, 999", "abc, '\"abc\"'", "01000, 01000", "'\"\"', '\"\"'", "0440, 0440", "400, 400", "0, 0",
            "077, 077"})
    void badLogfileMode(String written, String found) {
        assertThat(withLine("logfile_mode: " + written)).isEqualTo("4:19: programs.a.logfile_mode: expected an octal"
                + " file mode from 600 to 777 (the owner keeps read and write), like 640, found " + found);
        assertThat(files.error("server:\n  logfile_mode: " + written + "\n")).isEqualTo("2:17: server.logfile_mode:"
                + " expected an octal file mode from 600 to 777 (the owner keeps read and write), like 640, found " + found);
    }

    @Test
    void invalidProgramNames() {
        assertThat(files.error("programs:\n  \"web:1\":\n    cmd: x\n")).isEqualTo("2:3: programs.web:1: invalid"
                + " program name \"web:1\"; expected letters, digits, '_', '.', '@' and '-', not starting with '.', '@' or '-'");
        assertThat(files.error("programs:\n  \"a b\":\n    cmd: x\n")).isEqualTo("2:3: programs.a b: invalid"
                + " program name \"a b\"; expected letters, digits, '_', '.', '@' and '-', not starting with '.', '@' or '-'");
        assertThat(files.error("programs:\n  all:\n    cmd: x\n")).isEqualTo(
                "2:3: programs.all: invalid program name \"all\"; expected a name other than \"all\", which means every program");
        assertThat(withLine("group: \"a b\"")).isEqualTo("4:12: programs.a.group: invalid group name \"a b\";"
                + " expected letters, digits, '_', '.', '@' and '-', not starting with '.', '@' or '-'");
    }

    @Test
    void keysMustBeNames() {
        assertThat(withLine("[1, 2]: x"))
                .isEqualTo("4:5: programs.a: expected a key name, found a list");
        assertThat(withLine("~: x"))
                .isEqualTo("4:5: programs.a: expected a key name, found nothing");
    }

    @Test
    void mergeKeysTakeMappings() {
        assertThat(withLine("<<: 5")).isEqualTo(
                "4:9: programs.a: expected a mapping or a list of mappings to merge with \"<<\", found 5");
        assertThat(withLine("<<: [{autostart: false}, 5]")).isEqualTo(
                "4:9: programs.a: expected a mapping or a list of mappings to merge with \"<<\", found a list");
    }

    @Test
    void duplicateKeys() {
        assertThat(files.error("programs:\n  a:\n    cmd: x\n    cmd: y\n"))
                .isEqualTo("4:5: programs.a.cmd: duplicate key \"cmd\" (first at line 3)");
        assertThat(files.error("programs:\n  a:\n    cmd: x\n  a:\n    cmd: y\n"))
                .isEqualTo("4:3: programs.a: duplicate key \"a\" (first at line 2)");
    }

    @Test
    void conflictingStderrSettings() {
        assertThat(files.error("programs:\n  a:\n    cmd: x\n    redirect_stderr: true\n    stderr: /tmp/e\n"))
                .isEqualTo("5:13: programs.a.stderr: stderr cannot be set when redirect_stderr is true:"
                        + " standard error goes into stdout");
        assertThat(files.error("programs:\n  a:\n    cmd: x\n    tty: true\n    stderr: none\n"))
                .isEqualTo("5:13: programs.a.stderr: stderr cannot be set when tty is true:"
                        + " the terminal carries both streams into stdout");
        assertThat(files.error("programs:\n  a:\n    cmd: x\n    stopasgroup: true\n    killasgroup: false\n"))
                .isEqualTo("5:18: programs.a.killasgroup: killasgroup cannot be false when stopasgroup is true:"
                        + " the group would outlive a SIGKILL");
    }

    @Test
    void killmodeAndSupervisordKeysMustAgree() {
        assertThat(files.error("programs:\n  a:\n    cmd: x\n    killmode: mixed\n    stopasgroup: true\n"))
                .isEqualTo("5:18: programs.a.stopasgroup: stopasgroup cannot be true when killmode is mixed:"
                        + " mixed sends the stop signal to the process only and SIGKILL to its whole group;"
                        + " leave stopasgroup out");
        assertThat(files.error("programs:\n  a:\n    cmd: x\n    killmode: process\n    killasgroup: true\n"))
                .isEqualTo("5:18: programs.a.killasgroup: killasgroup cannot be true when killmode is process:"
                        + " process signals the process only and leaves its group alone; leave killasgroup out");
        assertThat(files.error("programs:\n  a:\n    cmd: x\n    killmode: group\n    stopasgroup: false\n"))
                .isEqualTo("5:18: programs.a.stopasgroup: stopasgroup cannot be false when killmode is group:"
                        + " group sends the stop signal and SIGKILL to the whole group; leave stopasgroup out");
        // One problem, once: the killmode rule covers what the stopasgroup/killasgroup rule would say.
        assertThat(files.error("programs:\n  a:\n    cmd: x\n    killmode: group\n    stopasgroup: true\n"
                + "    killasgroup: false\n"))
                .isEqualTo("6:18: programs.a.killasgroup: killasgroup cannot be false when killmode is group:"
                        + " group sends the stop signal and SIGKILL to the whole group; leave killasgroup out");
        assertThat(withLine("killmode: all"))
                .isEqualTo("4:15: programs.a.killmode: expected mixed, group or process, found \"all\"");
    }

    @Test
    void processNamePatterns() {
        assertThat(files.error("programs:\n  a:\n    cmd: x\n    numprocs: 2\n    process_name: same\n"))
                .isEqualTo("5:19: programs.a.process_name: process_name \"same\" must contain %(process_num)d"
                        + " when numprocs is 2, or every instance would have the same name");
        assertThat(files.error("programs:\n  a:\n    cmd: x\n    numprocs: 2\n"
                + "    process_name: \"%(name)s_%(process_num)d\"\n"))
                .isEqualTo("5:19: programs.a.process_name: unknown name \"%(name)\";"
                        + " expected program_name, group_name or process_num");
        assertThat(withLine("process_name: \"50% a\"")).isEqualTo("4:19: programs.a.process_name: unexpected"
                + " \"%\" at character 3; expected %(program_name)s, %(group_name)s, %(process_num)d or %%");
        assertThat(withLine("process_name: \"%(program_name)d\"")).isEqualTo("4:19: programs.a.process_name:"
                + " %(program_name)d: program_name is text; use %(program_name)s");
        assertThat(withLine("process_name: \"a b\"")).isEqualTo("4:19: programs.a.process_name: process_name"
                + " \"a b\" makes the invalid name \"a b\"; expected letters, digits and '_', '.', ':', '@', '-'");
    }

    @Test
    void twoProgramsMakingTheSameInstanceName() {
        assertThat(files.error("""
                programs:
                  a:
                    cmd: x
                    process_name: b
                  b:
                    cmd: y
                """)).isEqualTo("5:3: programs.b: instance name \"b\" is also made by program \"a\";"
                + " give one of them a different process_name");
    }

    @Test
    void backoffProblems() {
        assertThat(withLine("backoff: {initial: 10s, max: 1s}")).isEqualTo(
                "4:34: programs.a.backoff.max: backoff max (1000 ms) is shorter than backoff initial (10000 ms)");
        assertThat(withLine("backoff: {factor: 0.5}"))
                .isEqualTo("4:23: programs.a.backoff.factor: expected a number >= 1, found 0.5");
        assertThat(withLine("backoff: {start: 1}"))
                .isEqualTo("4:15: programs.a.backoff.start: unknown key \"start\"; expected one of: factor, initial, max, reset_after");
        assertThat(withLine("backoff: 5"))
                .isEqualTo("4:14: programs.a.backoff: expected a mapping with initial, factor, max and reset_after, found 5");
    }

    @Test
    void badEnvironment() {
        assertThat(withLine("env: {1BAD: x}")).isEqualTo("4:11: programs.a.env.1BAD: invalid environment variable"
                + " name \"1BAD\"; expected letters, digits and '_', not starting with a digit");
        assertThat(withLine("env: {A: [1]}"))
                .isEqualTo("4:14: programs.a.env.A: expected a value (quote it to make it text), found a list");
    }

    @Test
    void badPaths() {
        assertThat(withLine("workingdir: \"\""))
                .isEqualTo("4:17: programs.a.workingdir: expected a path, found an empty string");
        assertThat(withLine("workingdir: ${EMPTY}"))
                .isEqualTo("4:17: programs.a.workingdir: expected a path, found an empty string");
        assertThat(withLine("stdout: \"a\\0b\""))
                .isEqualTo("4:13: programs.a.stdout: invalid path \"a\\0b\": Nul character not allowed");
    }

    @Test
    void badSizes() {
        assertThat(withLine("logfile_maxbytes: 5 parsecs")).isEqualTo("4:23: programs.a.logfile_maxbytes:"
                + " expected a size (bytes, or a number with KB, MB or GB), found \"5 parsecs\"");
        assertThat(withLine("logfile_backups: -1"))
                .isEqualTo("4:22: programs.a.logfile_backups: expected an integer from 0 to 1000, found -1");
    }

    @ParameterizedTest(name = "output_buffer: {0}")
    @CsvSource({"4095, 4095", "1KB, '\"1KB\" (1024 bytes)'", "'\"4000\"', '\"4000\"'",
            "2GB, '\"2GB\" (2147483648 bytes)'", "1073741825, 1073741825"})
    void outputBufferOutOfRange(String written, String found) {
        assertThat(withLine("output_buffer: " + written))
                .isEqualTo("4:20: programs.a.output_buffer: expected a size from 4KB to 1GB, found " + found);
    }

    @ParameterizedTest(name = "on_log_full: {0}")
    @CsvSource(delimiter = '|', value = {"wait|'\"wait\"'", "5|5", "'\"\"'|'\"\"'", "true|true"})
    void onLogFullIsBlockOrDrop(String written, String found) {
        assertThat(withLine("on_log_full: " + written))
                .isEqualTo("4:18: programs.a.on_log_full: expected block or drop, found " + found);
    }

    @Test
    void serverSectionProblems() {
        assertThat(files.error("server:\n  loglevel: loud\n")).isEqualTo(
                "2:13: server.loglevel: expected one of trace, debug, info, warn, error, found \"loud\"");
        assertThat(files.error("server:\n  sockett: /tmp/x\n"))
                .isEqualTo("2:3: server.sockett: unknown key \"sockett\"; did you mean \"socket\"?");
        assertThat(files.error("server:\n  frobnicate: 3\n")).isEqualTo("2:3: server.frobnicate: unknown key"
                + " \"frobnicate\"; expected one of: access, instance, listen, logdir, logfile, logfile_backups,"
                + " logfile_maxbytes, logfile_mode, loglevel, metrics, pidfile, socket, syslog, tokens_file, user");
        assertThat(files.error("server:\n  instance: \"my instance\"\n")).isEqualTo("2:13: server.instance: invalid"
                + " instance name \"my instance\"; expected letters, digits, '_', '.', '@' and '-', not starting with '.', '@' or '-'");
        assertThat(files.error("server:\n  user: \"\"\n"))
                .isEqualTo("2:9: server.user: expected a user name or uid, found an empty string");
        assertThat(files.error("server: 3\n"))
                .isEqualTo("1:9: server: expected a mapping of server settings, found 3");
    }

    @Test
    void yamlSyntaxErrorsAreLocatedNotStackTraces() {
        assertThat(files.error("programs:\n  a:\n    cmd: x\n   bad: indentation\n")).isEqualTo(
                "4:4: invalid YAML: expected <block end>, but found '<block mapping start>' (while parsing a block mapping)");
        assertThat(files.error("programs:\n  a:\n\tcmd: x\n")).isEqualTo(
                "3:1: invalid YAML: found character '\\t(TAB)' that cannot start any token. (Do not use \\t(TAB) for"
                        + " indentation) (while scanning for the next token)");
        assertThat(files.error("programs: {a: \n")).isEqualTo("2:1: invalid YAML: expected the node content,"
                + " but found '<stream end>' (while parsing a flow node)");
        assertThat(files.error("a: 1\n---\nb: 2\n")).isEqualTo(
                "2:1: invalid YAML: expected a single document in the stream, but found another document");
    }

    @Test
    void everyProblemIsReportedInOnePassInFileOrder() {
        List<ConfigError> errors = files.errors("""
                server:
                  loglevel: chatty
                programs:
                  web:
                    cmd: "nginx"
                    numprocs: 0
                    stopsignal: NOPE
                  worker:
                    numprocs: 2
                    autorestart: sometimes
                    colour: red
                  ok:
                    cmd: /bin/true
                """);
        assertThat(errors).extracting(ConfigFiles::located).containsExactly(
                "2:13: server.loglevel: expected one of trace, debug, info, warn, error, found \"chatty\"",
                "6:15: programs.web.numprocs: expected an integer from 1 to 10000, found 0",
                "7:17: programs.web.stopsignal: unknown signal \"NOPE\"; expected a name such as TERM, SIGTERM,"
                        + " INT, HUP, QUIT, KILL, USR1, USR2, or a number from 1 to 64",
                "9:5: programs.worker: expected the required key \"cmd\" (the command line to run), found no such key",
                "10:18: programs.worker.autorestart: expected always, never or unexpected, found \"sometimes\"",
                "11:5: programs.worker.colour: unknown key \"colour\"; expected one of: " + PROGRAM_KEYS);
        assertThat(errors).extracting(ConfigError::file).containsOnly(tmp.resolve("taskmaster.yaml"));
    }

    @Test
    void unreadableFiles() {
        List<ConfigError> missing = files.errorsOf(tmp.resolve("nope.yaml"));
        assertThat(missing).extracting(ConfigError::toString).containsExactly(tmp.resolve("nope.yaml") + ": cannot read: no such file");
        List<ConfigError> dir = files.errorsOf(tmp);
        assertThat(dir).extracting(ConfigError::toString).containsExactly(tmp + ": cannot read: it is a directory, not a file");
    }

    @Test
    void aFileThatIsNotUtf8() throws Exception {
        Path latin1 = java.nio.file.Files.write(tmp.resolve("latin1.yaml"),
                "programs:\n  caf\u00e9:\n    cmd: x\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertThat(files.errorsOf(latin1)).extracting(ConfigError::toString)
                .containsExactly(latin1 + ":2:6: expected UTF-8 text, found the byte 0xE9 (byte offset 15), which is not"
                        + " UTF-8; the file looks like Latin-1, where it is \"\u00e9\": convert it to UTF-8, for example"
                        + " with iconv -f LATIN1 -t UTF-8");
    }

    @Test
    void errorsPrintLikeACompilerSoEditorsCanJump() {
        assertThat(new ConfigError(Path.of("/etc/t.yaml"), 4, 15, "programs.a.numprocs", "bad").toString())
                .isEqualTo("/etc/t.yaml:4:15: programs.a.numprocs: bad");
        assertThat(new ConfigError(Path.of("/etc/t.yaml"), 0, 0, "", "cannot read").toString())
                .isEqualTo("/etc/t.yaml: cannot read");
        ConfigException e = new ConfigException(List.of(new ConfigError(Path.of("f"), 1, 2, "k", "m")));
        assertThat(e.getMessage()).isEqualTo("1 error in configuration:\nf:1:2: k: m");
    }
}

package dev.taskmaster.config.supervisord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.taskmaster.config.Config;
import dev.taskmaster.config.ConfigLoader;
import dev.taskmaster.config.InstanceSpec;
import dev.taskmaster.config.KillMode;
import dev.taskmaster.config.LogLevel;
import dev.taskmaster.config.OutputSpec;
import dev.taskmaster.config.ProgramSpec;
import dev.taskmaster.config.RestartPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every import is read back by Taskmaster's own loader, and checked by what it means (the
 * argv, names, groups and settings each process gets), not by its text.
 */
class SupervisordImportTest {

    private static final Map<String, String> ENV = Map.of("HOME", "/home/tester", "PORT", "8080", "PATH", "/usr/bin:/bin");

    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        Path f = dir.resolve(name);
        Files.createDirectories(f.getParent());
        Files.writeString(f, text);
        return f;
    }

    private SupervisordImport.Result imported(String conf) throws Exception {
        return SupervisordImport.convert(write("supervisord.conf", conf), ENV, "box1");
    }

    /** Loads the YAML as taskmasterd would, with the same environment. */
    private Config load(SupervisordImport.Result r) throws Exception {
        Path yaml = dir.resolve("imported.yaml");
        Files.writeString(yaml, r.yaml());
        return ConfigLoader.load(yaml, ENV);
    }

    private static ProgramSpec program(Config c, String name) {
        return c.programs().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow(() -> new AssertionError(
                "no program " + name + " in " + c.programs().stream().map(ProgramSpec::name).toList()));
    }

    private static List<String> instanceNames(Config c) {
        return c.instances().stream().map(InstanceSpec::name).toList();
    }

    @Test
    void everyKeyThatMapsIsCarriedOver() throws Exception {
        SupervisordImport.Result r = imported("""
                [program:web]
                command = /usr/bin/python3 -m http.server --bind 127.0.0.1 ; a comment
                directory=/srv/web
                umask=027
                user=www-data
                priority=10
                autostart=false
                autorestart=true
                startsecs=5
                startretries=7
                exitcodes=0,3
                stopsignal=QUIT
                stopwaitsecs=20
                stopasgroup=true
                stdout_logfile=/var/log/web.out
                stderr_logfile=NONE
                stdout_logfile_maxbytes=10MB
                stdout_logfile_backups=3
                environment=A="1",B="two words",C=x:y
                """);
        assertThat(r.warnings()).isEmpty();
        ProgramSpec web = program(load(r), "web");
        assertThat(web.argv()).containsExactly("/usr/bin/python3", "-m", "http.server", "--bind", "127.0.0.1");
        assertThat(web.workingdir()).contains(Path.of("/srv/web"));
        assertThat(web.umask()).contains(027);
        assertThat(web.user()).contains("www-data");
        assertThat(web.priority()).isEqualTo(10);
        assertThat(web.autostart()).isFalse();
        assertThat(web.autorestart()).isEqualTo(RestartPolicy.ALWAYS);
        assertThat(web.starttime()).isEqualTo(Duration.ofSeconds(5));
        assertThat(web.startretries()).isEqualTo(7);
        assertThat(web.exitcodes()).isEqualTo(Set.of(0, 3));
        assertThat(web.stopsignal().displayName()).isEqualTo("SIGQUIT");
        assertThat(web.stoptime()).isEqualTo(Duration.ofSeconds(20));
        assertThat(web.killmode()).isEqualTo(KillMode.GROUP);
        assertThat(web.stdout()).isEqualTo(new OutputSpec.Capture(Optional.of(Path.of("/var/log/web.out"))));
        assertThat(web.stderr()).isEqualTo(OutputSpec.Discard.INSTANCE);
        assertThat(web.logRotation().maxBytes()).isEqualTo(10L << 20);
        assertThat(web.logRotation().backups()).isEqualTo(3);
        assertThat(web.env()).containsExactly(Map.entry("A", "1"), Map.entry("B", "two words"), Map.entry("C", "x:y"));
    }

    @Test
    void supervisordDefaultsGiveTaskmasterDefaultsAndNothingIsWrittenForThem() throws Exception {
        SupervisordImport.Result r = imported("[program:a]\ncommand=sleep 100\n");
        assertThat(r.yaml()).contains("  a:\n    cmd: \"sleep 100\"\n").doesNotContain("autorestart").doesNotContain("priority");
        ProgramSpec a = program(load(r), "a");
        assertThat(a.autorestart()).isEqualTo(RestartPolicy.UNEXPECTED);
        assertThat(a.exitcodes()).isEqualTo(Set.of(0));
        assertThat(a.starttime()).isEqualTo(Duration.ofSeconds(1));
        assertThat(a.startretries()).isEqualTo(3);
        assertThat(a.stoptime()).isEqualTo(Duration.ofSeconds(10));
        assertThat(a.priority()).isEqualTo(999);
        assertThat(a.autostart()).isTrue();
    }

    @Test
    void processNamesAndGroupsAreSupervisordsOwn() throws Exception {
        SupervisordImport.Result r = imported("""
                [program:pool]
                command=sleep 1000
                process_name=%(program_name)s_%(process_num)02d
                numprocs=3

                [program:worker]
                command=/usr/bin/worker --id %(process_num)d --of %(numprocs)d
                process_name=%(program_name)s-%(process_num)d
                numprocs=2
                numprocs_start=5

                [program:solo]
                command=sleep 1
                process_name=%(program_name)s-on-%(host_node_name)s

                [group:backend]
                programs=worker,solo
                """);
        Config c = load(r);
        // supervisord would name them pool_00..pool_02, worker-5, worker-6 and solo-on-box1.
        assertThat(instanceNames(c)).containsExactlyInAnyOrder("pool_00", "pool_01", "pool_02", "worker-5", "worker-6",
                "solo-on-box1");
        assertThat(program(c, "pool").numprocs()).isEqualTo(3);
        assertThat(program(c, "pool").group()).isEqualTo("pool");
        assertThat(program(c, "worker-5").argv()).containsExactly("/usr/bin/worker", "--id", "5", "--of", "2");
        assertThat(program(c, "worker-6").argv()).containsExactly("/usr/bin/worker", "--id", "6", "--of", "2");
        assertThat(program(c, "worker-5").group()).isEqualTo("backend");
        assertThat(program(c, "solo").group()).isEqualTo("backend");
    }

    @Test
    void aGroupsPriorityGoesToItsProgramsWithoutOneOfTheirOwn() throws Exception {
        SupervisordImport.Result r = imported("""
                [program:a]
                command=sleep 1
                [program:b]
                command=sleep 1
                priority=7
                [program:c]
                command=sleep 1
                [group:g]
                programs=a,b
                priority=100
                """);
        Config c = load(r);
        assertThat(program(c, "a").priority()).isEqualTo(100);
        assertThat(program(c, "b").priority()).isEqualTo(7);
        assertThat(program(c, "c").priority()).isEqualTo(999);
        assertThat(r.warnings()).singleElement().satisfies(n -> {
            assertThat(n.line()).isEqualTo(10);
            assertThat(n.message()).contains("no group priority");
        });
    }

    @Test
    void environmentReferencesStayReferencesAndTheProgramsOwnEnvironmentIsExpandedLikeSupervisordDoes() throws Exception {
        SupervisordImport.Result r = imported("""
                [supervisord]
                environment=REGION="eu",HOME_COPY="%(ENV_HOME)s"

                [program:a]
                command=/bin/echo %(ENV_PORT)s %(ENV_REGION)s %(ENV_OWN)s %(ENV_HOME)s
                environment=OWN="mine",PATH="/opt/bin:%(ENV_PATH)s"
                """);
        assertThat(r.yaml()).contains("${PORT}").contains("${HOME}");
        ProgramSpec a = program(load(r), "a");
        assertThat(a.argv()).containsExactly("/bin/echo", "8080", "eu", "mine", "/home/tester");
        assertThat(a.env()).containsEntry("REGION", "eu").containsEntry("HOME_COPY", "/home/tester")
                .containsEntry("OWN", "mine").containsEntry("PATH", "/opt/bin:/usr/bin:/bin");
    }

    @Test
    void aDollarBraceThatSupervisordPassesLiterallyStaysLiteral() throws Exception {
        SupervisordImport.Result r = imported("[program:a]\ncommand=/bin/echo ${NOT_EXPANDED} 100%%\n");
        assertThat(program(load(r), "a").argv()).containsExactly("/bin/echo", "${NOT_EXPANDED}", "100%");
    }

    @Test
    void hereIsTheDirectoryOfTheFileThatSaysIt() throws Exception {
        write("conf.d/app.conf", "[program:app]\ncommand=%(here)s/run.sh\nstdout_logfile=%(here)s/app.log\n");
        SupervisordImport.Result r = imported("[supervisord]\n[include]\nfiles = conf.d/*.conf\n");
        ProgramSpec app = program(load(r), "app");
        assertThat(app.argv()).containsExactly(dir.resolve("conf.d/run.sh").toString());
        assertThat(app.stdout()).isEqualTo(new OutputSpec.Capture(Optional.of(dir.resolve("conf.d/app.log"))));
    }

    @Test
    void includesAreReadInSortedOrderAndALaterValueWins() throws Exception {
        write("conf.d/b.conf", "[program:b]\ncommand=sleep 2\n");
        write("conf.d/a.conf", "[program:a]\ncommand=sleep 1\n[program:b]\npriority=5\n");
        SupervisordImport.Result r = imported("[supervisord]\n[include]\nfiles = conf.d/*.conf /nowhere/*.ini\n");
        Config c = load(r);
        assertThat(c.programs()).extracting(ProgramSpec::name).containsExactly("a", "b");
        assertThat(program(c, "b").priority()).isEqualTo(5);
        assertThat(program(c, "b").argv()).containsExactly("sleep", "2");
        assertThat(r.warnings()).extracting(SupervisordImport.Note::message).anyMatch(m -> m.contains("No file matches")
                && m.contains("/nowhere/*.ini"));
    }

    @Test
    void shellSyntaxThatSupervisordPassesAsArgumentsIsQuotedAndSaid() throws Exception {
        SupervisordImport.Result r = imported("[program:a]\ncommand=/bin/echo hello > /tmp/out\n");
        assertThat(program(load(r), "a").argv()).containsExactly("/bin/echo", "hello", ">", "/tmp/out");
        assertThat(r.warnings()).singleElement().satisfies(n -> {
            assertThat(n.line()).isEqualTo(2);
            assertThat(n.message()).contains("\">\"").contains("no shell");
        });
    }

    @Test
    void quotingThatDiffersBetweenPythonAndTaskmasterGivesPythonsWords() throws Exception {
        // Python's shlex keeps the backslash before $ inside double quotes; a POSIX shell drops it.
        SupervisordImport.Result r = imported("[program:a]\ncommand=/bin/echo \"a\\$b\" 'it''s'\n");
        assertThat(program(load(r), "a").argv()).containsExactly("/bin/echo", "a\\$b", "its");
    }

    @Test
    void whatHasNoEquivalentIsALocatedWarningAndAComment() throws Exception {
        SupervisordImport.Result r = imported("""
                [supervisord]
                nodaemon=true
                loglevel=blather

                [inet_http_server]
                port=127.0.0.1:9001

                [program:a]
                command=sleep 1
                stdout_events_enabled=true
                bogus=1

                [eventlistener:memmon]
                command=memmon -a 200MB
                events=TICK_60
                """);
        Path conf = dir.resolve("supervisord.conf");
        assertThat(r.warnings()).extracting(SupervisordImport.Note::toString).containsExactly(
                conf + ":2:1: [supervisord] nodaemon not imported: taskmasterd always runs in the foreground (a service manager or --shell runs it)",
                conf + ":5:1: [inet_http_server] not imported: Taskmaster's remote access is TLS with tokens or client certificates, set up with server.listen (docs/remote.md)",
                conf + ":10:1: stdout_events_enabled has no equivalent: Taskmaster has no event listeners; follow output with taskmasterctl tail -f or logs -f",
                conf + ":11:1: unknown key \"bogus\" in [program:a]; supervisord ignores it, and so does the import",
                conf + ":13:1: [eventlistener:memmon] not imported: Taskmaster has no event listener protocol; taskmasterctl events -f and the WatchEvents API give every event");
        assertThat(r.yaml()).contains("# stdout_events_enabled = true was not imported");
        assertThat(load(r).server().loglevel()).isEqualTo(LogLevel.TRACE);
    }

    @Test
    void supervisordsOwnSocketPidfileAndLogAreLeftToTaskmastersDefaults() throws Exception {
        SupervisordImport.Result r = imported("""
                [unix_http_server]
                file=/var/run/supervisor.sock

                [supervisord]
                logfile=/var/log/supervisor/supervisord.log
                pidfile=/var/run/supervisord.pid
                childlogdir=/var/log/supervisor
                logfile_maxbytes=5MB
                logfile_backups=2
                """);
        Config c = load(r);
        assertThat(c.server().socket()).isEmpty();
        assertThat(c.server().pidfile()).isEmpty();
        assertThat(c.server().logfile()).isEmpty();
        assertThat(c.server().logdir()).contains(Path.of("/var/log/supervisor"));
        assertThat(c.server().logRotation().maxBytes()).isEqualTo(5L << 20);
        assertThat(c.server().logRotation().backups()).isEqualTo(2);
        assertThat(r.yaml()).contains("# socket: \"/var/run/supervisor.sock\"");
        assertThat(c.programs()).isEmpty();
    }

    @Test
    void killasgroupFalseKeepsSupervisordsOnlyTheProcessWay() throws Exception {
        Config c = load(imported("[program:a]\ncommand=sleep 1\nkillasgroup=false\n[program:b]\ncommand=sleep 1\n"));
        assertThat(program(c, "a").killmode()).isEqualTo(KillMode.PROCESS);
        assertThat(program(c, "b").killmode()).isEqualTo(KillMode.MIXED);
    }

    @Test
    void outputToSyslogIsCarriedOverIncludingTheDeprecatedLogfileSpelling() throws Exception {
        Config c = load(imported("""
                [program:a]
                command=sleep 1
                stdout_syslog=true
                [program:b]
                command=sleep 1
                stderr_logfile=syslog
                """));
        assertThat(program(c, "a").stdoutSyslog()).isTrue();
        assertThat(program(c, "a").stderrSyslog()).isFalse();
        assertThat(program(c, "b").stderrSyslog()).isTrue();
        assertThat(program(c, "b").stderr()).isEqualTo(OutputSpec.Capture.DEFAULT);
    }

    @Test
    void redirectedStderrIgnoresItsFileAsSupervisordDoes() throws Exception {
        SupervisordImport.Result r = imported("[program:a]\ncommand=sleep 1\nredirect_stderr=true\nstderr_logfile=/tmp/e.log\n");
        ProgramSpec a = program(load(r), "a");
        assertThat(a.redirectStderr()).isTrue();
        assertThat(r.warnings()).singleElement().satisfies(n -> assertThat(n.message()).contains("file name is ignored"));
    }

    @Test
    void whatSupervisordRefusesIsAnErrorNamingTheFileAndLineAndNothingIsMade() throws Exception {
        record Case(String conf, int line, String says) {
        }
        for (Case k : List.of(
                new Case("[program:a]\nautostart=true\n", 1, "does not specify a command"),
                new Case("[program:a]\ncommand=x\nautorestart=maybe\n", 3, "invalid 'autorestart' value \"maybe\""),
                new Case("[program:a]\ncommand=x\nnumprocs=2\n", 2, "%(process_num) must be present within process_name"),
                new Case("[program:a]\ncommand=x %(nope)s\n", 2, "contains a name (nope) which cannot be expanded"),
                new Case("[program:a]\ncommand=x\nexitcodes=0,256\n", 3, "invalid exit code \"256\""),
                new Case("[program:a]\ncommand=x\nstopsignal=SIGNOPE\n", 3, "not a valid signal name"),
                new Case("[program:a]\ncommand=x\nenvironment=A=1,B\n", 3, "unexpected end of key/value pairs"),
                new Case("[program:a]\ncommand=x 'unclosed\n", 2, "no closing quotation"),
                new Case("[group:g]\nprograms=a,ghost\n[program:a]\ncommand=x\n", 2, "names unknown program ghost"),
                new Case("[program:a\ncommand=x\n", 1, "closing ']'"),
                new Case("command=x\n", 1, "before any [section] header"),
                new Case("[program:a b]\ncommand=x\n", 1, "cannot be a Taskmaster name"))) {
            SupervisordImport.ImportException e = catchThrowableOfType(SupervisordImport.ImportException.class,
                    () -> imported(k.conf()));
            assertThat(e).as(k.conf()).isNotNull();
            assertThat(e.errors().getFirst().file()).isEqualTo(dir.resolve("supervisord.conf"));
            assertThat(e.errors().getFirst().line()).as(k.conf()).isEqualTo(k.line());
            assertThat(e.errors().getFirst().message()).as(k.conf()).contains(k.says());
        }
    }

    @Test
    void aFifoOrAMissingFileIsRefusedWithoutBlocking() throws Exception {
        Path fifo = dir.resolve("fifo.conf");
        new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor();
        SupervisordImport.ImportException e = catchThrowableOfType(SupervisordImport.ImportException.class,
                () -> SupervisordImport.convert(fifo, ENV, "box1"));
        assertThat(e.errors().getFirst().message()).contains("cannot read it").contains("FIFO");
        e = catchThrowableOfType(SupervisordImport.ImportException.class,
                () -> SupervisordImport.convert(dir.resolve("absent.conf"), ENV, "box1"));
        assertThat(e.errors().getFirst().message()).contains("cannot read it");
    }

    @Test
    void continuationLinesAndInlineCommentsAreReadAsPythonReadsThem() throws Exception {
        SupervisordImport.Result r = imported("""
                ; a comment
                [program:a]
                command=/bin/echo one
                    two   ; inline comment
                # whole-line comment
                    three#not-a-comment
                Priority : 42
                """);
        ProgramSpec a = program(load(r), "a");
        assertThat(a.argv()).containsExactly("/bin/echo", "one", "two", "three#not-a-comment");
        assertThat(a.priority()).isEqualTo(42);
    }

    @Test
    void theDebianPackagesDefaultConfigurationImports() throws Exception {
        // /etc/supervisor/supervisord.conf as Debian's supervisor 4.2.5 installs it.
        SupervisordImport.Result r = imported("""
                ; supervisor config file

                [unix_http_server]
                file=/var/run/supervisor.sock   ; (the path to the socket file)
                chmod=0700                       ; sockef file mode (default 0700)

                [supervisord]
                logfile=/var/log/supervisor/supervisord.log ; (main log file;default $CWD/supervisord.log)
                pidfile=/var/run/supervisord.pid ; (supervisord pidfile;default supervisord.pid)
                childlogdir=/var/log/supervisor            ; ('AUTO' child log dir, default $TEMP)

                ; the below section must remain in the config file for RPC
                ; (supervisorctl/web interface) to work, additional interfaces may be
                ; added by defining them in separate rpcinterface: sections
                [rpcinterface:supervisor]
                supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

                [supervisorctl]
                serverurl=unix:///var/run/supervisor.sock ; use a unix:// URL  for a unix socket

                [include]
                files = /etc/supervisor/conf.d/*.conf
                """);
        Config c = load(r);
        assertThat(c.server().logdir()).contains(Path.of("/var/log/supervisor"));
        assertThat(r.warnings()).extracting(SupervisordImport.Note::line).contains(5);
    }
}

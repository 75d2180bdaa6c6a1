package dev.taskmaster.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every program option: its default, and what each accepted spelling parses to. */
class ProgramOptionsTest {

    @TempDir
    Path tmp;
    ConfigFiles files;

    @BeforeEach
    void setUp() {
        files = new ConfigFiles(tmp);
    }

    @Test
    void everyOptionHasItsDocumentedDefault() {
        ProgramSpec p = files.program("programs:\n  app:\n    cmd: /bin/true\n");
        assertThat(p.name()).isEqualTo("app");
        assertThat(p.cmd()).isEqualTo("/bin/true");
        assertThat(p.argv()).containsExactly("/bin/true");
        assertThat(p.numprocs()).isEqualTo(1);
        assertThat(p.processName()).isEqualTo("%(program_name)s");
        assertThat(p.autostart()).isTrue();
        assertThat(p.autorestart()).isEqualTo(RestartPolicy.UNEXPECTED);
        assertThat(p.exitcodes()).containsExactly(0);
        assertThat(p.starttime()).isEqualTo(Duration.ofSeconds(1));
        assertThat(p.startretries()).isEqualTo(3);
        assertThat(p.backoff()).isEqualTo(new Backoff(Duration.ofSeconds(1), 2.0, Duration.ofSeconds(30)));
        assertThat(p.stopsignal()).isEqualTo(new Signal(15, "TERM"));
        assertThat(p.stoptime()).isEqualTo(Duration.ofSeconds(10));
        assertThat(p.stdout()).isEqualTo(new OutputSpec.Capture(Optional.empty()));
        assertThat(p.stderr()).isEqualTo(new OutputSpec.Capture(Optional.empty()));
        assertThat(p.redirectStderr()).isFalse();
        assertThat(p.env()).isEmpty();
        assertThat(p.workingdir()).isEmpty();
        assertThat(p.umask()).isEmpty();
        assertThat(p.user()).isEmpty();
        assertThat(p.priority()).isEqualTo(999);
        assertThat(p.group()).isEqualTo("app");
        // killmode mixed (issue 13): the stop signal to the process only, SIGKILL to what remains of its group.
        assertThat(p.killmode()).isEqualTo(KillMode.MIXED);
        assertThat(p.stopasgroup()).isFalse();
        assertThat(p.killasgroup()).isTrue();
        assertThat(p.tty()).isFalse();
        assertThat(p.logRotation()).isEqualTo(new LogRotation(50L * 1024 * 1024, 10));
        assertThat(p.logfileTimestamps()).isFalse();
        assertThat(p.outputBuffer()).isEqualTo(1024L * 1024);
        assertThat(p.logfileMode()).isEqualTo(0640);
        assertThat(p.onLogFull()).isEqualTo(LogFullPolicy.BLOCK);
        assertThat(p.instances()).extracting(InstanceSpec::name).containsExactly("app");
    }

    @Test
    void everyOptionSetExplicitly() {
        ProgramSpec p = files.program("""
                programs:
                  web:
                    cmd: "/usr/sbin/nginx -g 'daemon off;'"
                    numprocs: 2
                    process_name: "%(program_name)s-%(process_num)02d"
                    autostart: false
                    autorestart: always
                    exitcodes: [0, 2]
                    starttime: 5
                    startretries: -1
                    backoff: {initial: 200ms, factor: 1.5, max: 1m}
                    stopsignal: SIGQUIT
                    stoptime: 2.5
                    stdout: /var/log/web.out
                    redirect_stderr: true
                    env: {STARTED_BY: taskmaster, PORT: 80}
                    workingdir: /srv/www
                    umask: 027
                    user: www-data
                    priority: 5
                    group: frontend
                    stopasgroup: true
                    killasgroup: true
                    tty: false
                    logfile_maxbytes: 1MB
                    logfile_backups: 3
                    logfile_timestamps: true
                    output_buffer: 64KB
                    on_log_full: drop
                """);
        assertThat(p.argv()).containsExactly("/usr/sbin/nginx", "-g", "daemon off;");
        assertThat(p.numprocs()).isEqualTo(2);
        assertThat(p.instances()).extracting(InstanceSpec::name).containsExactly("web-00", "web-01");
        assertThat(p.instances()).extracting(InstanceSpec::index).containsExactly(0, 1);
        assertThat(p.autostart()).isFalse();
        assertThat(p.autorestart()).isEqualTo(RestartPolicy.ALWAYS);
        assertThat(p.exitcodes()).containsExactlyInAnyOrder(0, 2);
        assertThat(p.isExpected(2)).isTrue();
        assertThat(p.isExpected(1)).isFalse();
        assertThat(p.starttime()).isEqualTo(Duration.ofSeconds(5));
        assertThat(p.startretries()).isEqualTo(-1);
        assertThat(p.backoff()).isEqualTo(new Backoff(Duration.ofMillis(200), 1.5, Duration.ofMinutes(1)));
        assertThat(p.stopsignal().name()).isEqualTo("QUIT");
        assertThat(p.stoptime()).isEqualTo(Duration.ofMillis(2500));
        assertThat(p.stdout()).isEqualTo(new OutputSpec.Capture(Optional.of(Path.of("/var/log/web.out"))));
        assertThat(p.redirectStderr()).isTrue();
        assertThat(p.env()).containsExactly(Map.entry("STARTED_BY", "taskmaster"), Map.entry("PORT", "80"));
        assertThat(p.workingdir()).contains(Path.of("/srv/www"));
        assertThat(p.umask()).contains(027);
        assertThat(p.user()).contains("www-data");
        assertThat(p.priority()).isEqualTo(5);
        assertThat(p.group()).isEqualTo("frontend");
        assertThat(p.stopasgroup()).isTrue();
        assertThat(p.killasgroup()).isTrue();
        assertThat(p.logRotation()).isEqualTo(new LogRotation(1024 * 1024, 3));
        assertThat(p.logfileTimestamps()).isTrue();
        assertThat(p.outputBuffer()).isEqualTo(64L * 1024);
        assertThat(p.onLogFull()).isEqualTo(LogFullPolicy.DROP);
    }

    @ParameterizedTest(name = "on_log_full {0}")
    @CsvSource({"block, BLOCK", "drop, DROP", "DROP, DROP", "' Block', BLOCK"})
    void onLogFullIsBlockOrDropInAnyCase(String written, LogFullPolicy value) {
        assertThat(files.program("programs:\n  a:\n    cmd: x\n    on_log_full: " + written + "\n").onLogFull())
                .isEqualTo(value);
    }

    @Test
    void theIssueExampleLoadsAsWritten() {
        ProgramSpec p = files.program("""
                programs:
                  web:
                    cmd: "/usr/sbin/nginx -g 'daemon off;'"
                    numprocs: 1
                    umask: 022
                    workingdir: /tmp
                    autostart: true
                    autorestart: unexpected
                    exitcodes: [0, 2]
                    startretries: 3
                    starttime: 5
                    stopsignal: TERM
                    stoptime: 10
                    stdout: /tmp/web.stdout
                    stderr: /tmp/web.stderr
                    env:
                      STARTED_BY: taskmaster
                """);
        assertThat(p.umask()).contains(0022);
        assertThat(p.stderr()).isEqualTo(new OutputSpec.Capture(Optional.of(Path.of("/tmp/web.stderr"))));
        assertThat(p.instances()).extracting(InstanceSpec::name).containsExactly("web");
    }

    @ParameterizedTest(name = "umask {0} is octal {1}")
    @CsvSource({"022, 18", "0022, 18", "22, 18", "0o22, 18", "'\"022\"', 18", "077, 63", "0, 0", "777, 511"})
    void umaskIsAlwaysOctal(String written, int value) {
        assertThat(files.program("programs:\n  a:\n    cmd: x\n    umask: " + written + "\n").umask()).contains(value);
    }

    @ParameterizedTest(name = "logfile_mode {0} is octal {1}")
    @CsvSource({"0640, 416", "640, 416", "0o600, 384", "'\"0644\"', 420", "600, 384", "777, 511", "0700, 448"})
    void logfileModeIsAlwaysOctal(String written, int value) {
        assertThat(files.program("programs:\n  a:\n    cmd: x\n    logfile_mode: " + written + "\n").logfileMode())
                .isEqualTo(value);
        assertThat(files.load("server:\n  logfile_mode: " + written + "\n").server().logfileMode()).isEqualTo(value);
    }

    @ParameterizedTest(name = "{0} is {1} ms")
    @CsvSource({"0, 0", "5, 5000", "0.5, 500", "500ms, 500", "10s, 10000", "2m, 120000", "1h, 3600000",
            "1m30s, 90000", "'\"1.5s\"', 1500"})
    void durationsAreSecondsOrUnits(String written, long millis) {
        assertThat(files.program("programs:\n  a:\n    cmd: x\n    stoptime: " + written + "\n").stoptime())
                .isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest(name = "{0} is {1} bytes")
    @CsvSource({"0, 0", "1024, 1024", "10KB, 10240", "50MB, 52428800", "1GB, 1073741824", "1GiB, 1073741824",
            "2MiB, 2097152", "5k, 5120"})
    void sizesArePowersOf1024(String written, long bytes) {
        assertThat(files.program("programs:\n  a:\n    cmd: x\n    logfile_maxbytes: " + written + "\n")
                .logRotation().maxBytes()).isEqualTo(bytes);
    }

    @ParameterizedTest(name = "output_buffer {0} is {1} bytes")
    @CsvSource({"4KB, 4096", "4096, 4096", "64KB, 65536", "2MB, 2097152", "'\"512 KiB\"', 524288", "1g, 1073741824",
            "1073741824, 1073741824"})
    void outputBufferIsASizeFrom4KBTo1GB(String written, long bytes) {
        assertThat(files.program("programs:\n  a:\n    cmd: x\n    output_buffer: " + written + "\n").outputBuffer())
                .isEqualTo(bytes);
    }

    @ParameterizedTest(name = "logfile_timestamps {0}")
    @CsvSource({"true, true", "false, false", "yes, true", "off, false"})
    void logfileTimestampsIsABoolean(String written, boolean value) {
        assertThat(files.program("programs:\n  a:\n    cmd: x\n    logfile_timestamps: " + written + "\n")
                .logfileTimestamps()).isEqualTo(value);
    }

    @ParameterizedTest(name = "stopsignal {0}")
    @CsvSource({"TERM, 15", "SIGTERM, 15", "sigterm, 15", "term, 15", "USR1, 10", "SIGUSR2, 12", "HUP, 1",
            "INT, 2", "QUIT, 3", "KILL, 9", "15, 15", "10, 10", "RTMIN+2, 36", "IOT, 6"})
    void stopSignalByNameOrNumber(String written, int number) {
        assertThat(files.program("programs:\n  a:\n    cmd: x\n    stopsignal: " + written + "\n")
                .stopsignal().number()).isEqualTo(number);
    }

    @Test
    void exitcodesTakeOneCodeOrAList() {
        assertThat(files.program("programs:\n  a:\n    cmd: x\n    exitcodes: 2\n").exitcodes()).containsExactly(2);
        assertThat(files.program("programs:\n  a:\n    cmd: x\n    exitcodes: [1, 2, 255]\n").exitcodes())
                .containsExactlyInAnyOrder(1, 2, 255);
        assertThat(files.program("programs:\n  a:\n    cmd: x\n    exitcodes: []\n").exitcodes()).isEmpty();
    }

    @ParameterizedTest(name = "autorestart {0}")
    @CsvSource({"always, ALWAYS", "never, NEVER", "unexpected, UNEXPECTED", "true, ALWAYS", "false, NEVER",
            "Always, ALWAYS"})
    void autorestartPolicies(String written, RestartPolicy policy) {
        assertThat(files.program("programs:\n  a:\n    cmd: x\n    autorestart: " + written + "\n").autorestart())
                .isEqualTo(policy);
    }

    @ParameterizedTest(name = "boolean {0}")
    @CsvSource({"true, true", "false, false", "yes, true", "no, false", "on, true", "off, false", "True, true"})
    void booleansAcceptYamlSpellings(String written, boolean value) {
        assertThat(files.program("programs:\n  a:\n    cmd: x\n    autostart: " + written + "\n").autostart())
                .isEqualTo(value);
    }

    @Test
    void outputCanBeCapturedToDefaultOrFileOrDiscarded() {
        ProgramSpec p = files.program("programs:\n  a:\n    cmd: x\n    stdout: none\n    stderr: capture\n");
        assertThat(p.stdout()).isEqualTo(OutputSpec.Discard.INSTANCE);
        assertThat(p.stderr()).isEqualTo(OutputSpec.Capture.DEFAULT);
        ProgramSpec q = files.program("programs:\n  a:\n    cmd: x\n    stdout: logs/a.out\n    stderr: ~/a.err\n");
        assertThat(q.stdout()).isEqualTo(new OutputSpec.Capture(Optional.of(tmp.resolve("logs/a.out"))));
        assertThat(q.stderr()).isEqualTo(new OutputSpec.Capture(Optional.of(Path.of("/home/tester/a.err"))));
    }

    @Test
    void relativeWorkingdirIsTakenFromTheConfigFilesDirectory() {
        assertThat(files.program("programs:\n  a:\n    cmd: x\n    workingdir: ./data/../srv\n").workingdir())
                .contains(tmp.resolve("srv"));
    }

    @Test
    void envValuesAreTakenAsWritten() {
        ProgramSpec p = files.program("""
                programs:
                  a:
                    cmd: x
                    env:
                      PORT: 8080
                      DEBUG: yes
                      MODE: 0755
                      EMPTY_ONE: ""
                      RATIO: 1.50
                """);
        assertThat(p.env()).containsExactly(Map.entry("PORT", "8080"), Map.entry("DEBUG", "yes"),
                Map.entry("MODE", "0755"), Map.entry("EMPTY_ONE", ""), Map.entry("RATIO", "1.50"));
    }

    @Test
    void numprocsExpandsIntoIndependentInstances() {
        ProgramSpec p = files.program("programs:\n  worker:\n    cmd: x\n    numprocs: 3\n");
        assertThat(p.processName()).isEqualTo("%(program_name)s:%(process_num)d");
        assertThat(p.instances()).extracting(InstanceSpec::name).containsExactly("worker:0", "worker:1", "worker:2");
    }

    @Test
    void processNameMayUseTheGroupName() {
        ProgramSpec p = files.program("""
                programs:
                  api:
                    cmd: x
                    group: backend
                    numprocs: 2
                    process_name: "%(group_name)s.%(program_name)s.%(process_num)d"
                """);
        assertThat(p.instances()).extracting(InstanceSpec::name).containsExactly("backend.api.0", "backend.api.1");
    }

    @Test
    void killasgroupFollowsStopasgroupUnlessSet() {
        assertThat(files.program("programs:\n  a:\n    cmd: x\n    stopasgroup: true\n").killasgroup()).isTrue();
        ProgramSpec p = files.program("programs:\n  a:\n    cmd: x\n    killasgroup: true\n");
        assertThat(p.stopasgroup()).isFalse();
        assertThat(p.killasgroup()).isTrue();
    }

    @Test
    void supervisordKeysMapOntoKillmode() {
        assertThat(files.program("programs:\n  a:\n    cmd: x\n").killmode()).isEqualTo(KillMode.MIXED);
        assertThat(files.program("programs:\n  a:\n    cmd: x\n    stopasgroup: true\n").killmode())
                .isEqualTo(KillMode.GROUP);
        assertThat(files.program("programs:\n  a:\n    cmd: x\n    killasgroup: true\n").killmode())
                .isEqualTo(KillMode.MIXED);
        assertThat(files.program("programs:\n  a:\n    cmd: x\n    stopasgroup: false\n").killmode())
                .isEqualTo(KillMode.MIXED);
        // supervisord's own default, written out: only the process is signalled.
        ProgramSpec process = files.program("programs:\n  a:\n    cmd: x\n    killasgroup: false\n");
        assertThat(process.killmode()).isEqualTo(KillMode.PROCESS);
        assertThat(process.stopasgroup()).isFalse();
        assertThat(process.killasgroup()).isFalse();
    }

    @Test
    void killmodeSetsTheSupervisordKeys() {
        ProgramSpec group = files.program("programs:\n  a:\n    cmd: x\n    killmode: GROUP\n    killasgroup: true\n");
        assertThat(group.killmode()).isEqualTo(KillMode.GROUP);
        assertThat(group.stopasgroup()).isTrue();
        assertThat(group.killasgroup()).isTrue();
        ProgramSpec mixed = files.program("programs:\n  a:\n    cmd: x\n    killmode: mixed\n");
        assertThat(mixed.stopasgroup()).isFalse();
        assertThat(mixed.killasgroup()).isTrue();
        ProgramSpec process = files.program("programs:\n  a:\n    cmd: x\n    killmode: process\n    stopasgroup: false\n");
        assertThat(process.stopasgroup()).isFalse();
        assertThat(process.killasgroup()).isFalse();
    }

    @Test
    void aKillmodeChangeIsAnUpdateInPlace() {
        ProgramSpec before = files.program("programs:\n  a:\n    cmd: x\n");
        ProgramSpec after = files.program("programs:\n  a:\n    cmd: x\n    killmode: process\n");
        assertThat(after).isNotEqualTo(before);
        assertThat(after.runsLike(before)).isTrue();
    }

    @Test
    void ttyProgramsNeedNoStderr() {
        ProgramSpec p = files.program("programs:\n  top:\n    cmd: top\n    tty: true\n");
        assertThat(p.tty()).isTrue();
    }

    @Test
    void programsKeepTheirOrderAndTheServerSectionIsOptional() {
        Config c = files.load("programs:\n  b:\n    cmd: x\n  a:\n    cmd: y\n  c:\n    cmd: z\n");
        assertThat(c.programs()).extracting(ProgramSpec::name).containsExactly("b", "a", "c");
        assertThat(c.server()).isEqualTo(ServerSpec.DEFAULT);
        assertThat(c.instances()).extracting(InstanceSpec::name).containsExactly("b", "a", "c");
        assertThat(c.program("a")).isPresent();
        assertThat(c.program("nope")).isEmpty();
    }

    @Test
    void anEmptyFileIsAValidConfigWithNoPrograms() {
        Config c = files.load("");
        assertThat(c.programs()).isEmpty();
        assertThat(c.files()).containsExactly(tmp.resolve("taskmaster.yaml"));
        assertThat(files.load("programs:\n").programs()).isEmpty();
    }

    @Test
    void serverSectionEveryKey() {
        Config c = files.load("""
                server:
                  instance: prod
                  socket: /run/tm/prod.sock
                  logfile: logs/daemon.log
                  loglevel: debug
                  logfile_maxbytes: 10MB
                  logfile_backups: 2
                  pidfile: /run/tm/prod.pid
                  logdir: /var/log/tm
                  user: taskmaster
                  logfile_mode: 0600
                """);
        assertThat(c.server()).isEqualTo(new ServerSpec("prod", Optional.of(Path.of("/run/tm/prod.sock")),
                Optional.of(tmp.resolve("logs/daemon.log")), LogLevel.DEBUG, new LogRotation(10L << 20, 2),
                Optional.of(Path.of("/run/tm/prod.pid")), Optional.of(Path.of("/var/log/tm")),
                Optional.of("taskmaster"), List.of(), Optional.empty(), List.of(), 0600));
    }

    /**
     * The documented defaults, as literals: comparing with {@link ServerSpec#DEFAULT} would pass
     * whatever that constant held. The paths stay empty here because the daemon derives them
     * from the instance name and its runtime directories.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {"no server section | ''", "an empty one | 'server: {}'", "a null one | 'server:'"})
    void serverDefaults(String what, String yaml) {
        ServerSpec s = files.load(yaml).server();
        assertThat(s.instance()).isEqualTo("default");
        assertThat(s.socket()).isEmpty();
        assertThat(s.logfile()).isEmpty();
        assertThat(s.loglevel()).isEqualTo(LogLevel.INFO);
        assertThat(s.logRotation().maxBytes()).isEqualTo(50L * 1024 * 1024);
        assertThat(s.logRotation().backups()).isEqualTo(10);
        assertThat(s.pidfile()).isEmpty();
        assertThat(s.logdir()).isEmpty();
        assertThat(s.user()).isEmpty();
        assertThat(s.access()).isEmpty();
        assertThat(s.tokensFile()).isEmpty();
        assertThat(s.listen()).isEmpty();
        assertThat(s.logfileMode()).isEqualTo(0640);
    }

    @Test
    void warningIsALogLevel() {
        assertThat(files.load("server: {loglevel: WARNING}\n").server().loglevel()).isEqualTo(LogLevel.WARN);
    }

    @Test
    void yamlMergeKeysAndAnchorsUnderXKeys() {
        Config c = files.load("""
                x-defaults: &defaults
                  autorestart: always
                  stoptime: 3
                  env: {A: "1"}
                programs:
                  one:
                    <<: *defaults
                    cmd: x
                  two:
                    <<: *defaults
                    cmd: y
                    stoptime: 7
                """);
        assertThat(c.programs()).extracting(ProgramSpec::autorestart).containsOnly(RestartPolicy.ALWAYS);
        assertThat(c.programs()).extracting(p -> p.stoptime().toSeconds()).containsExactly(3L, 7L);
        assertThat(c.programs()).extracting(ProgramSpec::env).containsOnly(Map.of("A", "1"));
    }

    @Test
    void backoffDelaysGrowAndAreCapped() {
        Backoff b = new Backoff(Duration.ofMillis(500), 2, Duration.ofSeconds(3));
        assertThat(List.of(b.delay(1), b.delay(2), b.delay(3), b.delay(4), b.delay(100))).containsExactly(
                Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(3),
                Duration.ofSeconds(3));
    }

    @Test
    void runsLikeSeparatesProcessSettingsFromSupervisionSettings() {
        ProgramSpec a = files.program("programs:\n  a:\n    cmd: x\n");
        ProgramSpec policy = files.program("programs:\n  a:\n    cmd: x\n    autorestart: never\n    priority: 1\n");
        ProgramSpec env = files.program("programs:\n  a:\n    cmd: x\n    env: {A: b}\n");
        assertThat(a.runsLike(policy)).isTrue();
        assertThat(a.runsLike(env)).isFalse();
        assertThat(a).isNotEqualTo(policy).isNotEqualTo(env);
    }
}

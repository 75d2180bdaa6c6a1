package dev.taskmaster.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.taskmaster.proto.v1.AddProgramRequest;
import dev.taskmaster.proto.v1.AddProgramResponse;
import dev.taskmaster.proto.v1.ConfigError;
import dev.taskmaster.proto.v1.GetProgramRequest;
import dev.taskmaster.proto.v1.GetProcessRequest;
import dev.taskmaster.proto.v1.ListProgramsRequest;
import dev.taskmaster.proto.v1.ListProcessesRequest;
import dev.taskmaster.proto.v1.ProcessInfo;
import dev.taskmaster.proto.v1.ProcessState;
import dev.taskmaster.proto.v1.ProgramSpec;
import dev.taskmaster.proto.v1.ReloadConfigRequest;
import dev.taskmaster.proto.v1.ReloadConfigResponse;
import dev.taskmaster.proto.v1.RemoveProgramRequest;
import dev.taskmaster.proto.v1.RemoveProgramResponse;
import dev.taskmaster.proto.v1.UpdateProgramRequest;
import dev.taskmaster.proto.v1.UpdateProgramResponse;
import dev.taskmaster.server.engine.ConfigChange;
import dev.taskmaster.server.engine.EngineEvent;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract of the program RPCs (ListPrograms, GetProgram, AddProgram, UpdateProgram,
 * RemoveProgram) and of ReloadConfig, sentence by sentence, against the real engine, real
 * processes and the daemon's real path of configuration changes (issue 12). Each test quotes
 * the sentence of proto/src/main/proto/taskmaster/v1/ it checks.
 */
class ProgramsConformanceTest {

    static final String CONFIG = """
            programs:
              web:
                cmd: sleep 1000
                starttime: 0
                stoptime: 2
              db:
                cmd: sleep 1000
                starttime: 0
                priority: 10
                stoptime: 2
              rich:
                cmd: sh -c "echo $$$$ >/dev/null; exec sleep 1000"
                numprocs: 2
                starttime: 0
                stoptime: 2
                env: {PRICE: "$$5", WHERE: "${TMP}", EMPTY: ""}
                redirect_stderr: true
                stdout: ${TMP}/rich-%s.log
                logfile_mode: 0600
                workingdir: ${TMP}
                umask: 027
                exitcodes: [0, 2]
                backoff: {initial: 0.5, factor: 1.5, max: 4}
                stopasgroup: true
                autorestart: always
                logfile_maxbytes: 1MB
                logfile_backups: 3
                output_buffer: 64KB
                on_log_full: drop
            """;

    @TempDir
    Path dir;
    LiveDaemon daemon;

    @BeforeEach
    void setUp() throws Exception {
        daemon = new LiveDaemon(dir, CONFIG.replace("rich-%s.log", "rich.log"));
        for (String p : List.of("web", "db", "rich:0", "rich:1")) {
            daemon.await(p, dev.taskmaster.server.engine.ProcessState.RUNNING);
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        daemon.close();
    }

    static Status status(Runnable call) {
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, call::run);
        assertThat(e).as("expected the call to fail").isNotNull();
        return e.getStatus();
    }

    ProgramSpec program(String name) {
        return daemon.stub().getProgram(GetProgramRequest.newBuilder().setName(name).build()).getProgram();
    }

    ProcessInfo process(String name) {
        return daemon.stub().getProcess(GetProcessRequest.newBuilder().setName(name).build()).getProcess();
    }

    Map<String, Integer> pids() {
        return daemon.stub().listProcesses(ListProcessesRequest.getDefaultInstance()).getProcessesList().stream()
                .collect(Collectors.toMap(ProcessInfo::getFullName, ProcessInfo::getPid));
    }

    static List<String> cmdline(int pid) {
        try {
            String raw = new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8);
            return List.of(raw.split("\0"));
        } catch (IOException e) {
            return List.of();
        }
    }

    // ListPrograms: "Every program's effective settings, ordered by priority then name."
    @Test
    void listProgramsIsOrderedByPriorityThenName() {
        assertThat(daemon.stub().listPrograms(ListProgramsRequest.getDefaultInstance()).getProgramsList())
                .extracting(ProgramSpec::getName).containsExactly("db", "rich", "web");
    }

    // GetProgram: "Codes: INVALID_ARGUMENT (empty name), NOT_FOUND (no such program)." / "NOT_FOUND
    // … always names it and suggests the closest existing name"
    @Test
    void getProgramNeedsANameAndNamesWhatItDoesNotFind() {
        Status empty = status(() -> program(""));
        assertThat(empty.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(empty.getDescription()).isEqualTo("name is required; it is empty");
        Status missing = status(() -> program("wbe"));
        assertThat(missing.getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(missing.getDescription()).isEqualTo("no program named \"wbe\"; did you mean \"web\"?");
        Status huge = status(() -> program("n".repeat(100_000)));
        assertThat(huge.getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(huge.getDescription()).isEqualTo("no program named \"" + "n".repeat(200) + "…\" (100000 characters)");
    }

    // program.proto: "in responses the daemon fills in every field with the effective value,
    // defaults included" / GetProgram → UpdateProgram of the same spec changes nothing (issue 12:
    // "$$ is expanded again, the spec "changes" and the processes restart").
    @Test
    void aProgramReadWithGetProgramAndSentBackUnchangedChangesNothing() {
        ProgramSpec rich = program("rich");
        assertThat(rich.getCmd()).isEqualTo("sh -c \"echo $$ >/dev/null; exec sleep 1000\"");
        assertThat(rich.getEnvMap()).containsEntry("PRICE", "$5").containsEntry("WHERE", dir.toString());
        assertThat(rich.hasStderr()).as("no stderr of its own with redirect_stderr").isFalse();
        Map<String, Integer> before = pids();
        for (String name : List.of("rich", "web", "db")) {
            ProgramSpec spec = program(name);
            UpdateProgramResponse r = daemon.stub().updateProgram(UpdateProgramRequest.newBuilder().setSpec(spec).build());
            assertThat(r.getErrorsList()).as(name).isEmpty();
            assertThat(r.getApplied()).isTrue();
            assertThat(r.getDiff().getUnchangedProgramsList()).as(name).contains(name);
            assertThat(r.getDiff().getChangedProgramsList()).isEmpty();
            assertThat(r.getDiff().getUpdatedProgramsList()).isEmpty();
            assertThat(r.getDiff().getChangedProcessesList()).isEmpty();
            assertThat(r.getDiff().getUpdatedProcessesList()).isEmpty();
            assertThat(r.getProgram()).isEqualTo(spec);
            assertThat(program(name)).isEqualTo(spec);
        }
        assertThat(pids()).isEqualTo(before);
    }

    // ProgramSpec.killmode: "UNSPECIFIED = derived from `stopasgroup` and `killasgroup` as the
    // config file does … When set, a `stopasgroup` or `killasgroup` also set must agree with it,
    // or that is a validation problem (ConfigError on the disagreeing key). In responses always set."
    @Test
    void killmodeIsDerivedWhenUnsetTakenWhenSetAndAContradictionIsAProblemOfTheKey() {
        assertThat(program("web").getKillmode()).isEqualTo(dev.taskmaster.proto.v1.KillMode.KILL_MODE_MIXED);
        assertThat(program("rich").getKillmode()).as("stopasgroup: true").isEqualTo(dev.taskmaster.proto.v1.KillMode.KILL_MODE_GROUP);
        AddProgramResponse added = daemon.stub().addProgram(AddProgramRequest.newBuilder().setSpec(ProgramSpec.newBuilder()
                .setName("kept").setCmd("sleep 1000").setKillmode(dev.taskmaster.proto.v1.KillMode.KILL_MODE_PROCESS)).build());
        assertThat(added.getErrorsList()).isEmpty();
        assertThat(added.getProgram().getKillmode()).isEqualTo(dev.taskmaster.proto.v1.KillMode.KILL_MODE_PROCESS);
        assertThat(added.getProgram().getKillasgroup()).isFalse();
        assertThat(added.getProgram().getStopasgroup()).isFalse();
        AddProgramResponse derived = daemon.stub().addProgram(AddProgramRequest.newBuilder().setSpec(ProgramSpec.newBuilder()
                .setName("old").setCmd("sleep 1000").setKillasgroup(false)).build());
        assertThat(derived.getProgram().getKillmode()).isEqualTo(dev.taskmaster.proto.v1.KillMode.KILL_MODE_PROCESS);
        AddProgramResponse contradiction = daemon.stub().addProgram(AddProgramRequest.newBuilder().setSpec(ProgramSpec.newBuilder()
                .setName("bad").setCmd("sleep 1000").setStopasgroup(true).setKillmode(dev.taskmaster.proto.v1.KillMode.KILL_MODE_MIXED)).build());
        assertThat(contradiction.getApplied()).isFalse();
        assertThat(contradiction.getErrorsList()).extracting(ConfigError::getKeyPath).containsExactly("programs.bad.stopasgroup");
        AddProgramResponse unknown = daemon.stub().addProgram(AddProgramRequest.newBuilder().setSpec(ProgramSpec.newBuilder()
                .setName("odd").setCmd("sleep 1000").setKillmodeValue(9)).build());
        assertThat(unknown.getErrorsList()).extracting(ConfigError::getKeyPath, ConfigError::getMessage)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("programs.odd.killmode",
                        "expected KILL_MODE_MIXED, KILL_MODE_GROUP or KILL_MODE_PROCESS, found 9"));
    }

    // AddProgram: "Codes: INVALID_ARGUMENT (neither spec nor yaml given), ALREADY_EXISTS (a
    // program with that name exists). Validation problems are returned in the response, not as a
    // status."
    @Test
    void addProgramCodes() {
        Status neither = status(() -> daemon.stub().addProgram(AddProgramRequest.getDefaultInstance()));
        assertThat(neither.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(neither.getDescription()).isEqualTo("give the program as spec or as yaml; neither was given");
        Status exists = status(() -> daemon.stub().addProgram(AddProgramRequest.newBuilder().setYaml("web:\n  cmd: x\n").build()));
        assertThat(exists.getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
        assertThat(exists.getDescription()).isEqualTo("program \"web\" already exists; update it, or remove it first");
        AddProgramResponse invalid = daemon.stub().addProgram(AddProgramRequest.newBuilder()
                .setYaml("bad:\n  cmd: x\n  numprocs: 0\n").build());
        assertThat(invalid.getApplied()).isFalse();
        assertThat(invalid.hasProgram()).isFalse();
        assertThat(invalid.hasDiff()).isFalse();
        // ConfigError.file: ""<request>" for a program given in an AddProgram / UpdateProgram request".
        assertThat(invalid.getErrorsList()).singleElement().satisfies(e -> {
            assertThat(e.getFile()).isEqualTo("<request>");
            assertThat(e.getLine()).isEqualTo(3);
            assertThat(e.getColumn()).isEqualTo(13);
            assertThat(e.getKeyPath()).isEqualTo("programs.bad.numprocs");
            assertThat(e.getMessage()).isEqualTo("expected an integer from 1 to 10000, found 0");
        });
        // A second program making an instance name that exists is a validation problem too.
        AddProgramResponse clash = daemon.stub().addProgram(AddProgramRequest.newBuilder()
                .setYaml("other:\n  cmd: x\n  process_name: web\n").build());
        assertThat(clash.getApplied()).isFalse();
        assertThat(clash.getErrorsList()).extracting(ConfigError::getKeyPath, ConfigError::getMessage)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("programs.other.process_name",
                        "instance name \"web\" is also made by program \"web\"; give one of them a different process_name"));
        assertThat(daemon.stub().listPrograms(ListProgramsRequest.getDefaultInstance()).getProgramsCount()).isEqualTo(3);
    }

    // Issue 12: a 300-character name (its log file name is then too long: BACKOFF for ever) and a
    // cmd with NUL (FATAL with a stack trace) are validation problems, found before anything runs.
    @Test
    void aNameTooLongForItsLogFilesAndANulInTheCommandAreRefusedUpFront() {
        String name = "n".repeat(300);
        AddProgramResponse tooLong = daemon.stub().addProgram(AddProgramRequest.newBuilder()
                .setSpec(ProgramSpec.newBuilder().setName(name).setCmd("sleep 1000")).build());
        assertThat(tooLong.getApplied()).isFalse();
        assertThat(tooLong.getErrorsList()).singleElement().satisfies(e -> {
            assertThat(e.getFile()).isEqualTo("<request>");
            assertThat(e.getKeyPath()).isEqualTo("programs." + name);
            assertThat(e.getMessage()).startsWith("expected a program name of at most 200 characters");
        });
        AddProgramResponse nul = daemon.stub().addProgram(AddProgramRequest.newBuilder()
                .setSpec(ProgramSpec.newBuilder().setName("nul").setCmd("sleep 10\u00000")).build());
        assertThat(nul.getApplied()).isFalse();
        assertThat(nul.getErrorsList()).singleElement().satisfies(e -> {
            assertThat(e.getKeyPath()).isEqualTo("programs.nul.cmd");
            assertThat(e.getMessage()).isEqualTo("expected a command line without NUL characters (the kernel ends every"
                    + " argument, variable and name at a NUL), found one at character 9");
        });
        AddProgramResponse nulArgv = daemon.stub().addProgram(AddProgramRequest.newBuilder()
                .setSpec(ProgramSpec.newBuilder().setName("nul").addArgv("sleep").addArgv("1\u00000")).build());
        assertThat(nulArgv.getErrorsList()).extracting(ConfigError::getKeyPath).containsExactly("programs.nul.cmd");
        assertThat(daemon.stub().listPrograms(ListProgramsRequest.getDefaultInstance()).getProgramsList())
                .extracting(ProgramSpec::getName).containsExactly("db", "rich", "web");
    }

    // ProgramSpec.cmd: "In requests set either `cmd` or `argv`; if both are set, `argv` is used
    // as-is and `cmd` is only shown."
    @Test
    void argvWinsOverCmd() throws Exception {
        AddProgramResponse r = daemon.stub().addProgram(AddProgramRequest.newBuilder().setSpec(ProgramSpec.newBuilder()
                .setName("both").setCmd("sleep 111").addArgv("sleep").addArgv("222")
                .setStarttime(com.google.protobuf.Duration.getDefaultInstance())).build());
        assertThat(r.getApplied()).isTrue();
        assertThat(r.getProgram().getArgvList()).containsExactly("sleep", "222");
        daemon.await("both", dev.taskmaster.server.engine.ProcessState.RUNNING);
        int pid = process("both").getPid();
        // Polled: right after the spawn, the child may not have executed the program yet.
        LiveDaemon.until("sleep 222 to run", 10_000, () -> cmdline(pid).size() == 2 && cmdline(pid).getFirst().endsWith("sleep"));
        List<String> running = cmdline(pid);
        assertThat(running.getFirst()).endsWith("sleep");
        assertThat(running.subList(1, running.size())).containsExactly("222");
    }

    // AddProgram: "validated exactly like the config file" — within the config file's limits: a
    // text larger than a file may be is refused at once, naming the limit (issue 12: 1–3 MB of
    // YAML kept every other edit waiting).
    @Test
    void aProgramLargerThanAConfigurationFileMayBeIsRefusedNamingTheLimit() {
        String yaml = "big:\n  cmd: x\n" + "#".repeat(3 << 20) + "\n";
        Status s = status(() -> daemon.stub().addProgram(AddProgramRequest.newBuilder().setYaml(yaml).build()));
        assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(s.getDescription()).isEqualTo("yaml: the program is " + yaml.length() + " bytes of YAML, more than the"
                + " limit of 3145728 bytes (3 MiB) for one configuration file");
        // Under the limit but more than exec allows: a validation problem, not a program that can never start.
        AddProgramResponse words = daemon.stub().addProgram(AddProgramRequest.newBuilder()
                .setYaml("words:\n  cmd: /bin/echo" + " a".repeat(1_200_000) + "\n").build());
        assertThat(words.getApplied()).isFalse();
        assertThat(words.getErrorsList()).singleElement().extracting(ConfigError::getMessage).asString()
                .startsWith("expected a command line and env of at most 2097152 bytes (2 MiB) together");
    }

    // AddProgramRequest.validate_only: "If true, only validate and report what would change;
    // apply nothing." / HealthCheckSpec: "a spec with one is accepted but not probed".
    // (start_delay, cron: ScheduleApiTest; depends_on: DependsOnApiTest.)
    @Test
    void validateOnlyAppliesNothing() {
        AddProgramResponse dry = daemon.stub().addProgram(AddProgramRequest.newBuilder().setValidateOnly(true)
                .setSpec(ProgramSpec.newBuilder().setName("dry").setCmd("sleep 1000")
                        .setHealthCheck(dev.taskmaster.proto.v1.HealthCheckSpec.newBuilder()
                                .setTcp(dev.taskmaster.proto.v1.TcpProbe.newBuilder().setPort(1)))).build());
        assertThat(dry.getErrorsList()).isEmpty();
        assertThat(dry.getApplied()).isFalse();
        assertThat(dry.getDiff().getAddedProcessesList()).containsExactly("dry");
        assertThat(daemon.stub().listPrograms(ListProgramsRequest.getDefaultInstance()).getProgramsCount()).isEqualTo(3);
    }

    // UpdateProgram: "Codes: INVALID_ARGUMENT (neither spec nor yaml given), NOT_FOUND (no such
    // program). Validation problems are returned in the response." "Changes are applied as by
    // ReloadConfig: in place when possible, else by restarting the affected processes."
    @Test
    void updateProgramCodesAndRestartsOnlyWhatChanged() {
        Status neither = status(() -> daemon.stub().updateProgram(UpdateProgramRequest.getDefaultInstance()));
        assertThat(neither.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        Status missing = status(() -> daemon.stub().updateProgram(UpdateProgramRequest.newBuilder()
                .setYaml("wbe:\n  cmd: x\n").build()));
        assertThat(missing.getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(missing.getDescription()).isEqualTo("no program named \"wbe\"; did you mean \"web\"?");
        Map<String, Integer> before = pids();
        UpdateProgramResponse inPlace = daemon.stub().updateProgram(UpdateProgramRequest.newBuilder()
                .setSpec(program("web").toBuilder().setPriority(5)).build());
        assertThat(inPlace.getDiff().getUpdatedProgramsList()).singleElement()
                .satisfies(c -> assertThat(c.getChangedKeysList()).containsExactly("priority"));
        assertThat(pids()).isEqualTo(before);
        UpdateProgramResponse restarted = daemon.stub().updateProgram(UpdateProgramRequest.newBuilder()
                .setSpec(program("web").toBuilder().setCmd("sleep 999").clearArgv()).build());
        assertThat(restarted.getDiff().getChangedProcessesList()).containsExactly("web");
        daemon.stub().getProcess(GetProcessRequest.newBuilder().setName("web").build());
        assertThat(pids().get("web")).isNotEqualTo(before.get("web"));
        assertThat(pids().get("db")).isEqualTo(before.get("db"));
    }

    // RemoveProgram: "Stops a program's processes and removes the program. Returns once they have
    // stopped." "Codes: INVALID_ARGUMENT (empty name), NOT_FOUND (no such program)."
    @Test
    void removeProgramCodesAndReturnsOnceStopped() {
        Status empty = status(() -> daemon.stub().removeProgram(RemoveProgramRequest.getDefaultInstance()));
        assertThat(empty.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(empty.getDescription()).isEqualTo("name is required; it is empty");
        Status missing = status(() -> daemon.stub().removeProgram(RemoveProgramRequest.newBuilder().setName("wbe").build()));
        assertThat(missing.getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(missing.getDescription()).isEqualTo("no program named \"wbe\"; did you mean \"web\"?");
        int pid = process("web").getPid();
        RemoveProgramResponse r = daemon.stub().removeProgram(RemoveProgramRequest.newBuilder().setName("web").build());
        assertThat(r.getDiff().getRemovedProgramsList()).containsExactly("web");
        assertThat(r.getDiff().getRemovedProcessesList()).containsExactly("web");
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("stopped when the call returns").isFalse();
        assertThat(pids()).doesNotContainKey("web");
    }

    // ReloadConfig: "An invalid file changes nothing." "Codes: FAILED_PRECONDITION (the file
    // cannot be read, e.g. deleted). Validation problems are returned in the response."
    @Test
    void reloadOfAnInvalidOrMissingFileChangesNothing() throws Exception {
        Path file = dir.resolve("taskmaster.yaml");
        Map<String, Integer> before = pids();
        Files.writeString(file, "programs:\n  web: {cmd: x, numprocs: 0}\n");
        ReloadConfigResponse invalid = daemon.stub().reloadConfig(ReloadConfigRequest.getDefaultInstance());
        assertThat(invalid.getApplied()).isFalse();
        assertThat(invalid.hasDiff()).isFalse();
        assertThat(invalid.getConfigPath()).isEqualTo(file.toString());
        assertThat(invalid.getErrorsList()).extracting(e -> e.getFile() + ":" + e.getLine() + ":" + e.getColumn() + " "
                + e.getKeyPath()).containsExactly(file + ":2:27 programs.web.numprocs");
        Files.delete(file);
        Status missing = status(() -> daemon.stub().reloadConfig(ReloadConfigRequest.getDefaultInstance()));
        assertThat(missing.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(missing.getDescription()).isEqualTo(file + ": cannot read: no such file; nothing was changed");
        assertThat(pids()).isEqualTo(before);
    }

    // AddProgram: "Not written to the config file: a later ReloadConfig returns the daemon to
    // exactly what the file says (removing programs that exist only at runtime)."
    @Test
    void aReloadReturnsTheDaemonToWhatTheFileSays() throws Exception {
        daemon.stub().addProgram(AddProgramRequest.newBuilder().setYaml("extra:\n  cmd: sleep 1000\n  starttime: 0\n").build());
        daemon.stub().updateProgram(UpdateProgramRequest.newBuilder().setSpec(program("web").toBuilder().setCmd("sleep 999")
                .clearArgv()).build());
        daemon.stub().removeProgram(RemoveProgramRequest.newBuilder().setName("db").build());
        ReloadConfigResponse dry = daemon.stub().reloadConfig(ReloadConfigRequest.newBuilder().setValidateOnly(true).build());
        assertThat(dry.getApplied()).isFalse();
        assertThat(dry.getDiff().getRemovedProgramsList()).containsExactly("extra");
        assertThat(pids()).containsKey("extra");
        ReloadConfigResponse r = daemon.stub().reloadConfig(ReloadConfigRequest.getDefaultInstance());
        assertThat(r.getApplied()).isTrue();
        assertThat(r.getDiff().getRemovedProgramsList()).containsExactly("extra");
        assertThat(r.getDiff().getAddedProgramsList()).containsExactly("db");
        assertThat(r.getDiff().getChangedProgramsList()).extracting(c -> c.getProgram()).containsExactly("web");
        assertThat(daemon.stub().listPrograms(ListProgramsRequest.getDefaultInstance()).getProgramsList())
                .extracting(ProgramSpec::getName).containsExactly("db", "rich", "web");
        assertThat(program("web").getCmd()).isEqualTo("sleep 1000");
    }

    /**
     * Issue 12, lost update: "ReloadConfig and AddProgram racing each other both answered
     * `applied`, and the old command stayed running (11 of 30 rounds)". Every change goes
     * through one path: whichever is applied last, the running command is the one of the last
     * applied change. Repeated 30 times with each kind of race, with real processes.
     */
    @Test
    void racingChangesOfTheConfigurationNeverLoseOne() throws Exception {
        Path file = dir.resolve("taskmaster.yaml");
        java.util.concurrent.ExecutorService two = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 60; round++) {
                boolean update = round % 2 == 0;
                String fileCmd = "sleep " + (2000 + round);
                String apiCmd = "sleep " + (5000 + round);
                Files.writeString(file, CONFIG.replace("rich-%s.log", "rich.log").replace("    cmd: sleep 1000\n    starttime: 0\n"
                        + "    stoptime: 2\n  db:", "    cmd: " + fileCmd + "\n    starttime: 0\n    stoptime: 2\n  db:"));
                long mark = daemon.journal.lastSequence();
                CountDownLatch go = new CountDownLatch(1);
                CompletableFuture<Boolean> reload = CompletableFuture.supplyAsync(() -> {
                    await(go);
                    return daemon.stub().reloadConfig(ReloadConfigRequest.getDefaultInstance()).getApplied();
                }, two);
                String extra = "extra" + round;
                CompletableFuture<Boolean> edit = CompletableFuture.supplyAsync(() -> {
                    await(go);
                    return update
                            ? daemon.stub().updateProgram(UpdateProgramRequest.newBuilder().setYaml("web:\n  cmd: " + apiCmd
                                    + "\n  starttime: 0\n  stoptime: 2\n").build()).getApplied()
                            : daemon.stub().addProgram(AddProgramRequest.newBuilder().setYaml(extra + ":\n  cmd: " + apiCmd
                                    + "\n  starttime: 0\n  stoptime: 2\n").build()).getApplied();
                }, two);
                go.countDown();
                assertThat(reload.get(60, TimeUnit.SECONDS)).as("round %d: the reload was applied", round).isTrue();
                assertThat(edit.get(60, TimeUnit.SECONDS)).as("round %d: the edit was applied", round).isTrue();
                List<ConfigChange.Kind> order = daemon.journal.since(mark).stream()
                        .filter(e -> e.sequence() > mark && e instanceof EngineEvent.ConfigReloaded).map(e -> ((EngineEvent.ConfigReloaded) e).change().kind())
                        .toList();
                assertThat(order).as("round %d", round).hasSize(2);
                boolean editLast = order.getLast() != ConfigChange.Kind.RELOAD;
                // The web command of the last change applied: the API's for an update applied after
                // the reload, else the file's (an AddProgram leaves web as the file says).
                String webCmd = update && editLast ? apiCmd : fileCmd;
                int round0 = round;
                LiveDaemon.until("round " + round + ": web running " + webCmd, 20_000, () -> {
                    ProcessInfo web = process("web");
                    return web.getState() == ProcessState.PROCESS_STATE_RUNNING
                            && cmdline(web.getPid()).size() == 2 && cmdline(web.getPid()).get(1).equals(webCmd.substring(6));
                });
                assertThat(program("web").getCmd()).as("round %d", round0).isEqualTo(webCmd);
                if (!update) {
                    // A program added at runtime survives only a reload that came before it.
                    assertThat(pids().containsKey(extra)).as("round %d: %s after %s", round, extra, order).isEqualTo(editLast);
                    if (editLast) {
                        daemon.stub().removeProgram(RemoveProgramRequest.newBuilder().setName(extra).build());
                    }
                }
            }
        } finally {
            two.shutdownNow();
        }
    }

    private static void await(CountDownLatch go) {
        try {
            go.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

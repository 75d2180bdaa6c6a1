package dev.taskmaster.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import dev.taskmaster.proto.v1.AddProgramRequest;
import dev.taskmaster.proto.v1.AddProgramResponse;
import dev.taskmaster.proto.v1.AutorestartPolicy;
import dev.taskmaster.proto.v1.ConfigDiff;
import dev.taskmaster.proto.v1.ConfigError;
import dev.taskmaster.proto.v1.GetProgramResponse;
import dev.taskmaster.proto.v1.OutputDestination;
import dev.taskmaster.proto.v1.OutputToDefaultLog;
import dev.taskmaster.proto.v1.ProgramChange;
import dev.taskmaster.proto.v1.ProgramSpec;
import dev.taskmaster.proto.v1.ReloadConfigRequest;
import dev.taskmaster.proto.v1.ReloadConfigResponse;
import dev.taskmaster.proto.v1.RemoveProgramRequest;
import dev.taskmaster.proto.v1.RemoveProgramResponse;
import dev.taskmaster.proto.v1.UpdateProgramRequest;
import dev.taskmaster.proto.v1.UpdateProgramResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** add, update, remove and reload. */
class ProgramCommandsTest extends CtlTest {

    private static final AddProgramResponse ADDED = AddProgramResponse.newBuilder().setApplied(true)
            .setDiff(ConfigDiff.newBuilder().addAddedPrograms("web").addAddedProcesses("web:0").addAddedProcesses("web:1")).build();

    @TempDir
    Path tmp;

    @Test
    void addWithoutCmdWhenStdinIsNotATerminalIsBadUsageAndSendsNothing() {
        Result r = run("add", "web", "--numprocs", "2");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("taskmasterctl: Missing required option: '--cmd=COMMAND' (stdin is not a terminal,"
                + " so it cannot be asked for; or give the program as YAML with -f FILE)\n");
        assertThat(daemon.received).isEmpty();
    }

    @Test
    void addWithoutCmdAtATerminalAsksForIt() {
        List<String> asked = new ArrayList<>();
        prompter = terminalAnswering("/usr/bin/nginx -g 'daemon off;'", asked);
        daemon.answer("AddProgram", ADDED);

        Result r = run("add", "web");

        assertThat(asked).containsExactly("Command to run for \"web\": ");
        assertThat(daemon.requests(AddProgramRequest.class).getFirst().getSpec().getCmd()).isEqualTo("/usr/bin/nginx -g 'daemon off;'");
        assertThat(r.exit()).isZero();
    }

    @Test
    void anEmptyAnswerIsBadUsage() {
        prompter = terminalAnswering("  ", new ArrayList<>());

        Result r = run("add", "web");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("taskmasterctl: no command given; web needs --cmd COMMAND\n");
    }

    @Test
    void aDependencyConditionThatIsNoneIsBadUsageAndSendsNothing() {
        Result r = run("add", "web", "--cmd", "x", "--depends-on", "db:up");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("taskmasterctl: --depends-on: 'db:up': expected PROGRAM or PROGRAM:CONDITION with CONDITION"
                + " started, running, healthy or completed_successfully\n");
        assertThat(daemon.requests(AddProgramRequest.class)).isEmpty();
    }

    @Test
    void addSendsEveryOptionAsASpecField() {
        daemon.answer("AddProgram", ADDED);

        Result r = run("add", "web", "--cmd", "/usr/bin/web --port 80", "--numprocs", "2", "--no-autostart", "--autorestart", "always",
                "--exitcodes", "0,2", "--starttime", "500ms", "--startretries", "-1", "--stopsignal", "INT", "--stoptime", "1m",
                "--stdout", "/var/log/web.out", "--stderr", "discard", "-e", "PORT=80", "--env", "MODE=prod", "--workingdir", "/srv",
                "--umask", "027", "--priority", "10", "--group", "front", "--stopasgroup", "--tty", "--on-log-full", "drop",
                "--max-restarts", "5", "--depends-on", "db:healthy,migrate:completed_successfully", "--depends-on", "cache");

        ProgramSpec spec = daemon.requests(AddProgramRequest.class).getFirst().getSpec();
        assertThat(spec.getDependsOnList()).extracting(d -> d.getProgram() + " " + d.getCondition()).containsExactly(
                "db DEPENDENCY_CONDITION_HEALTHY", "migrate DEPENDENCY_CONDITION_COMPLETED_SUCCESSFULLY",
                "cache DEPENDENCY_CONDITION_STARTED");
        assertThat(spec.getName()).isEqualTo("web");
        assertThat(spec.getCmd()).isEqualTo("/usr/bin/web --port 80");
        assertThat(spec.getNumprocs()).isEqualTo(2);
        assertThat(spec.hasAutostart()).isTrue();
        assertThat(spec.getAutostart()).isFalse();
        assertThat(spec.getAutorestart()).isEqualTo(AutorestartPolicy.AUTORESTART_POLICY_ALWAYS);
        assertThat(spec.getExitcodesList()).containsExactly(0, 2);
        assertThat(Durations.toMillis(spec.getStarttime())).isEqualTo(500);
        assertThat(spec.getStartretries()).isEqualTo(-1);
        assertThat(spec.getStopsignal()).isEqualTo("INT");
        assertThat(Durations.toSeconds(spec.getStoptime())).isEqualTo(60);
        assertThat(spec.getStdout().getFile().getPath()).isEqualTo("/var/log/web.out");
        assertThat(spec.getStderr().hasDiscard()).isTrue();
        assertThat(spec.getEnvMap()).containsExactlyInAnyOrderEntriesOf(java.util.Map.of("PORT", "80", "MODE", "prod"));
        assertThat(spec.getWorkingdir()).isEqualTo("/srv");
        assertThat(spec.getUmask()).isEqualTo(027);
        assertThat(spec.getPriority()).isEqualTo(10);
        assertThat(spec.getGroup()).isEqualTo("front");
        assertThat(spec.getStopasgroup()).isTrue();
        assertThat(spec.hasKillasgroup()).as("absent: follows stopasgroup").isFalse();
        assertThat(spec.getTty()).isTrue();
        assertThat(spec.getOnLogFull()).isEqualTo(dev.taskmaster.proto.v1.LogFullPolicy.LOG_FULL_POLICY_DROP);
        assertThat(spec.hasMaxRestarts()).isTrue();
        assertThat(spec.getMaxRestarts()).isEqualTo(5);
        assertThat(r.outLines()).containsExactly("web: added (web:0, web:1)");
        assertThat(r.exit()).isZero();
    }

    @Test
    void addFromAFileSendsTheYamlAsIsOrNestedUnderTheName() throws Exception {
        daemon.answer("AddProgram", ADDED);
        Path whole = Files.writeString(tmp.resolve("web.yaml"), "web:\n  cmd: /bin/sleep 60\n");
        Path body = Files.writeString(tmp.resolve("body.yaml"), "cmd: /bin/sleep 60\nenv:\n  A: b\n");

        assertThat(run("add", "-f", whole.toString()).exit()).isZero();
        assertThat(run("add", "web", "-f", body.toString(), "--dry-run").exit()).isZero();
        stdin = "web:\n  cmd: /bin/true\n";
        assertThat(run("add", "-f", "-").exit()).isZero();

        List<AddProgramRequest> sent = daemon.requests(AddProgramRequest.class);
        assertThat(sent.get(0).getYaml()).isEqualTo("web:\n  cmd: /bin/sleep 60\n");
        assertThat(sent.get(1).getYaml()).isEqualTo("web:\n  cmd: /bin/sleep 60\n  env:\n    A: b\n");
        assertThat(sent.get(1).getValidateOnly()).isTrue();
        assertThat(sent.get(2).getYaml()).isEqualTo("web:\n  cmd: /bin/true\n");
    }

    @Test
    void addReportsValidationErrorsLikeTheConfigCheckAndExits1() {
        daemon.answer("AddProgram", AddProgramResponse.newBuilder()
                .addErrors(ConfigError.newBuilder().setFile("<request>").setKeyPath("programs.web.numprocs")
                        .setMessage("expected an integer from 1 to 10000, found 0")).build());

        Result r = run("add", "web", "--cmd", "x", "--numprocs", "0");

        assertThat(r.exit()).isEqualTo(1);
        // Issue 16: the error names the option typed, not a "<request>" file that does not exist.
        assertThat(r.err()).isEqualTo("""
                --numprocs: expected an integer from 1 to 10000, found 0
                taskmasterctl: program not added: 1 error
                """);
    }

    @Test
    void errorsInAFileAreLocatedInThatFileAsTyped() throws Exception {
        java.nio.file.Path file = java.nio.file.Files.writeString(tmp.resolve("web.yaml"), "cmd: x\nnumprocs: 0\n");
        // The daemon saw the file nested under "web:" (one line down, two columns right).
        daemon.answer("AddProgram", AddProgramResponse.newBuilder()
                .addErrors(ConfigError.newBuilder().setFile("<request>").setLine(3).setColumn(13).setKeyPath("programs.web.numprocs")
                        .setMessage("expected an integer from 1 to 10000, found 0")).build());

        Result r = run("add", "web", "-f", file.toString());

        assertThat(r.err()).startsWith(file + ":2:11: programs.web.numprocs: expected an integer from 1 to 10000, found 0\n");
        daemon.answer("UpdateProgram", UpdateProgramResponse.newBuilder()
                .addErrors(ConfigError.newBuilder().setFile("<request>").setLine(2).setColumn(3).setKeyPath("programs.web.bogus")
                        .setMessage("unknown key \"bogus\"")).build());
        stdin = "web:\n  bogus: 1\n";
        assertThat(run("update", "-f", "-").err()).startsWith("<stdin>:2:3: programs.web.bogus: unknown key \"bogus\"\n");
    }

    @Test
    void addWithAFileMissingIsBadUsage() {
        Result r = run("add", "-f", tmp.resolve("nope.yaml").toString());

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("taskmasterctl: -f " + tmp.resolve("nope.yaml") + ": no such file\n");
    }

    @Test
    void updateChangesOnlyWhatWasTypedOnTheEffectiveSpec() {
        ProgramSpec effective = ProgramSpec.newBuilder().setName("web").setCmd("/old").addArgv("/old").setNumprocs(1)
                .setProcessName("%(program_name)s").setPriority(5).putEnv("A", "1")
                .setStdout(OutputDestination.newBuilder().setDefaultLog(OutputToDefaultLog.getDefaultInstance())).build();
        daemon.answer("GetProgram", GetProgramResponse.newBuilder().setProgram(effective).build());
        daemon.answer("UpdateProgram", UpdateProgramResponse.newBuilder().setApplied(true)
                .setDiff(ConfigDiff.newBuilder().addChangedPrograms(ProgramChange.newBuilder().setProgram("web")
                        .addChangedKeys("cmd").addChangedKeys("numprocs"))).build());

        Result r = run("update", "web", "--cmd", "/new --flag", "--numprocs", "3", "-e", "B=2");

        ProgramSpec sent = daemon.requests(UpdateProgramRequest.class).getFirst().getSpec();
        assertThat(sent.getCmd()).isEqualTo("/new --flag");
        assertThat(sent.getArgvList()).as("argv came from the old cmd").isEmpty();
        assertThat(sent.getNumprocs()).isEqualTo(3);
        assertThat(sent.getProcessName()).as("the default pattern follows numprocs").isEmpty();
        assertThat(sent.getPriority()).isEqualTo(5);
        assertThat(sent.getEnvMap()).containsEntry("A", "1").containsEntry("B", "2");
        assertThat(sent.getStdout().hasDefaultLog()).isTrue();
        assertThat(r.outLines()).containsExactly("web: changed, restarted (cmd, numprocs)");
        assertThat(r.exit()).isZero();
    }

    @Test
    void killmodeIsSentAndTheOldDerivedKeysFollowIt() {
        ProgramSpec effective = ProgramSpec.newBuilder().setName("web").setCmd("/old").setStopasgroup(false)
                .setKillasgroup(true).setKillmode(dev.taskmaster.proto.v1.KillMode.KILL_MODE_MIXED).build();
        daemon.answer("GetProgram", GetProgramResponse.newBuilder().setProgram(effective).build());
        daemon.answer("UpdateProgram", UpdateProgramResponse.newBuilder().setApplied(true).build());
        daemon.answer("AddProgram", ADDED);

        assertThat(run("add", "web", "--cmd", "/bin/true", "--killmode", "group").exit()).isZero();
        assertThat(run("update", "web", "--killmode", "process").exit()).isZero();
        assertThat(run("update", "web", "--stopasgroup").exit()).isZero();

        assertThat(daemon.requests(AddProgramRequest.class).getFirst().getSpec().getKillmode())
                .isEqualTo(dev.taskmaster.proto.v1.KillMode.KILL_MODE_GROUP);
        ProgramSpec toProcess = daemon.requests(UpdateProgramRequest.class).get(0).getSpec();
        assertThat(toProcess.getKillmode()).isEqualTo(dev.taskmaster.proto.v1.KillMode.KILL_MODE_PROCESS);
        assertThat(toProcess.hasKillasgroup()).as("killasgroup true would contradict process").isFalse();
        ProgramSpec toGroup = daemon.requests(UpdateProgramRequest.class).get(1).getSpec();
        assertThat(toGroup.getKillmode()).as("derived again from stopasgroup")
                .isEqualTo(dev.taskmaster.proto.v1.KillMode.KILL_MODE_UNSPECIFIED);
        assertThat(toGroup.getStopasgroup()).isTrue();
    }

    @Test
    void adoptSendsPidAndNameAndSaysTheOutputIsNotCaptured() {
        daemon.answer("AdoptProcess", dev.taskmaster.proto.v1.AdoptProcessResponse.newBuilder().setProcess(
                dev.taskmaster.proto.v1.ProcessInfo.newBuilder().setFullName("web").setPid(4321).setAdopted(true)).build());

        Result r = run("adopt", "4321", "--name", "web");

        dev.taskmaster.proto.v1.AdoptProcessRequest sent = daemon.requests(dev.taskmaster.proto.v1.AdoptProcessRequest.class).getFirst();
        assertThat(sent.getPid()).isEqualTo(4321);
        assertThat(sent.getName()).isEqualTo("web");
        assertThat(r.outLines()).containsExactly("web: adopted pid 4321 (output not captured)");
        assertThat(r.exit()).isZero();
    }

    @Test
    void adoptRefusalsKeepTheDaemonsSentenceAndTheirExitCodes() {
        daemon.answer("AdoptProcess", io.grpc.Status.NOT_FOUND.withDescription("no process with pid 99999"));
        Result missing = run("adopt", "99999", "--name", "web");
        assertThat(missing.exit()).isEqualTo(4);
        assertThat(missing.err()).isEqualTo("taskmasterctl: no process with pid 99999\n");

        daemon.answer("AdoptProcess", io.grpc.Status.INVALID_ARGUMENT.withDescription("pid 1 is an ancestor of taskmasterd"));
        assertThat(run("adopt", "1", "--name", "web").exit()).isEqualTo(2);
        assertThat(run("adopt", "1").exit()).as("--name is required").isEqualTo(2);
    }

    @Test
    void updateWithNothingToChangeIsBadUsage() {
        Result r = run("update", "web");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("taskmasterctl: nothing to change");
        assertThat(daemon.received).isEmpty();
    }

    @Test
    void updateOfAnUnknownProgramIs4() {
        daemon.answer("GetProgram", io.grpc.Status.NOT_FOUND.withDescription("no program \"wbe\"; did you mean \"web\"?"));

        assertThat(run("update", "wbe", "--numprocs", "2").exit()).isEqualTo(4);
    }

    @Test
    void removeSaysWhatWasStopped() {
        daemon.answer("RemoveProgram", RemoveProgramResponse.newBuilder().setDiff(ConfigDiff.newBuilder()
                .addRemovedPrograms("web").addRemovedProcesses("web:0").addRemovedProcesses("web:1")).build());

        Result r = run("remove", "web");

        assertThat(daemon.requests(RemoveProgramRequest.class).getFirst().getName()).isEqualTo("web");
        assertThat(r.outLines()).containsExactly("web: stopped and removed (web:0, web:1)");
    }

    @Test
    void reloadPrintsTheDiffOrTheErrors() {
        daemon.answer("ReloadConfig", ReloadConfigResponse.newBuilder().setApplied(false).setConfigPath("/etc/tm.yaml")
                .setDiff(ConfigDiff.newBuilder().addAddedPrograms("api")
                        .addUpdatedPrograms(ProgramChange.newBuilder().setProgram("web").addChangedKeys("autorestart"))
                        .addRemovedPrograms("old").setServerChanged(true)).build());

        Result dry = run("reload", "--dry-run");

        assertThat(daemon.requests(ReloadConfigRequest.class).getFirst().getValidateOnly()).isTrue();
        assertThat(dry.outLines()).containsExactly(
                "api: would be added",
                "web: would be updated in place (autorestart)",
                "old: would be stopped and removed",
                "server: settings changed; they take effect when taskmasterd restarts");

        daemon.answer("ReloadConfig", ReloadConfigResponse.newBuilder().setConfigPath("/etc/tm.yaml")
                .addErrors(ConfigError.newBuilder().setFile("/etc/tm.yaml").setLine(4).setColumn(15).setKeyPath("programs.web.numprocs")
                        .setMessage("expected an integer from 1 to 10000, found 0")).build());
        Result bad = run("reload");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).isEqualTo("""
                /etc/tm.yaml:4:15: programs.web.numprocs: expected an integer from 1 to 10000, found 0
                taskmasterctl: 1 error in /etc/tm.yaml; nothing was changed
                """);

        daemon.answer("ReloadConfig", ReloadConfigResponse.newBuilder().setApplied(true).setConfigPath("/etc/tm.yaml")
                .setDiff(ConfigDiff.newBuilder().addUnchangedPrograms("web")).build());
        assertThat(run("reload").out()).isEqualTo("no changes in /etc/tm.yaml\n");
    }
}

package dev.taskmaster.config;

import static dev.taskmaster.config.ConfigDiff.Kind.ADDED;
import static dev.taskmaster.config.ConfigDiff.Kind.CHANGED;
import static dev.taskmaster.config.ConfigDiff.Kind.REMOVED;
import static dev.taskmaster.config.ConfigDiff.Kind.UNCHANGED;
import static dev.taskmaster.config.ConfigDiff.Kind.UPDATED;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigDiffTest {

    @TempDir
    Path tmp;
    ConfigFiles files;

    @BeforeEach
    void setUp() {
        files = new ConfigFiles(tmp);
    }

    private ConfigDiff diff(String before, String after) {
        return ConfigDiff.between(files.load(before), files.load(after));
    }

    @Test
    void identicalConfigsChangeNothing() {
        String yaml = "programs:\n  a:\n    cmd: x\n    numprocs: 2\n  b:\n    cmd: y\n";
        ConfigDiff d = diff(yaml, yaml);
        assertThat(d.isEmpty()).isTrue();
        assertThat(d.instanceNames(UNCHANGED)).containsExactly("a:0", "a:1", "b");
        assertThat(d.programNames(UNCHANGED)).containsExactly("a", "b");
        assertThat(d.serverChanged()).isFalse();
        assertThat(d.summary()).isEqualTo("unchanged: a:0, a:1, b");
    }

    @Test
    void movingAProgramInTheFileOrChangingYamlStyleIsNoChange() {
        ConfigDiff d = diff("programs:\n  a:\n    cmd: x\n  b:\n    cmd: \"y --flag\"\n",
                "# reordered\nprograms:\n  b: {cmd: y --flag}\n  a:\n    cmd: 'x'\n    stoptime: 10s\n");
        assertThat(d.isEmpty()).isTrue();
    }

    @Test
    void respacingTheCommandLineRestartsNothing() {
        ConfigDiff d = diff("programs:\n  b:\n    cmd: \"y  --flag\"\n", "programs:\n  b:\n    cmd: \"y --flag\"\n");
        assertThat(d.instanceNames(UPDATED)).containsExactly("b");
        assertThat(d.instanceNames(CHANGED)).isEmpty();
    }

    @Test
    void addedAndRemovedPrograms() {
        ConfigDiff d = diff("programs:\n  old:\n    cmd: x\n  keep:\n    cmd: k\n",
                "programs:\n  keep:\n    cmd: k\n  new:\n    cmd: y\n");
        assertThat(d.programNames(ADDED)).containsExactly("new");
        assertThat(d.programNames(REMOVED)).containsExactly("old");
        assertThat(d.programNames(UNCHANGED)).containsExactly("keep");
        assertThat(d.instanceNames(ADDED)).containsExactly("new");
        assertThat(d.instanceNames(REMOVED)).containsExactly("old");
        assertThat(d.summary()).isEqualTo("added: new; removed: old; unchanged: keep");
        ConfigDiff.ProgramChange removed = d.programs().stream().filter(c -> c.kind() == REMOVED).findFirst().orElseThrow();
        assertThat(removed.before()).isPresent();
        assertThat(removed.after()).isEmpty();
    }

    @Test
    void anythingThatChangesHowTheProcessRunsIsAChange() {
        String base = "programs:\n  a:\n    cmd: x\n";
        for (String line : new String[] {"env: {A: b}", "workingdir: /tmp", "umask: 077", "user: nobody",
                "stdout: none", "stderr: /tmp/e", "redirect_stderr: true", "tty: true"}) {
            ConfigDiff d = diff(base, base + "    " + line + "\n");
            assertThat(d.programNames(CHANGED)).as(line).containsExactly("a");
            assertThat(d.instanceNames(CHANGED)).as(line).containsExactly("a");
        }
        assertThat(diff(base, "programs:\n  a:\n    cmd: x --verbose\n").instanceNames(CHANGED)).containsExactly("a");
    }

    @Test
    void supervisionSettingsAreUpdatedInPlace() {
        String base = "programs:\n  a:\n    cmd: x\n";
        for (String line : new String[] {"autorestart: always", "autostart: false", "exitcodes: [0, 1]",
                "starttime: 9", "startretries: 7", "backoff: {max: 5m}", "stopsignal: INT", "stoptime: 1",
                "priority: 1", "group: g", "stopasgroup: true", "killasgroup: false", "killmode: process", "killmode: group",
                "logfile_backups: 1",
                "logfile_mode: 0600", "on_log_full: drop"}) {
            ConfigDiff d = diff(base, base + "    " + line + "\n");
            assertThat(d.programNames(UPDATED)).as(line).containsExactly("a");
            assertThat(d.instanceNames(UPDATED)).as(line).containsExactly("a");
            assertThat(d.isEmpty()).as(line).isFalse();
        }
    }

    @Test
    void onLogFullIsNamedByItsConfigKey() {
        ConfigDiff d = diff("programs:\n  a:\n    cmd: x\n", "programs:\n  a:\n    cmd: x\n    on_log_full: drop\n");
        assertThat(d.programs()).singleElement().satisfies(c -> assertThat(c.changedKeys()).containsExactly("on_log_full"));
    }

    @Test
    void changesNameTheirKeys() {
        ConfigDiff d = diff("programs:\n  a:\n    cmd: x\n    logfile_backups: 2\n",
                "programs:\n  a:\n    cmd: y\n    stoptime: 3\n    redirect_stderr: true\n    logfile_backups: 3\n");
        assertThat(d.programs()).singleElement().satisfies(c -> assertThat(c.changedKeys())
                .containsExactly("cmd", "stoptime", "redirect_stderr", "logfile_backups"));
        assertThat(diff("programs:\n  a: {cmd: x}\n", "programs:\n  b: {cmd: x}\n").programs())
                .allSatisfy(c -> assertThat(c.changedKeys()).isEmpty());
    }

    @Test
    void growingNumprocsAddsInstancesAndLeavesTheOthersAlone() {
        ConfigDiff d = diff("programs:\n  w:\n    cmd: x\n    numprocs: 3\n",
                "programs:\n  w:\n    cmd: x\n    numprocs: 5\n");
        assertThat(d.instanceNames(UNCHANGED)).containsExactly("w:0", "w:1", "w:2");
        assertThat(d.instanceNames(ADDED)).containsExactly("w:3", "w:4");
        assertThat(d.programNames(UPDATED)).containsExactly("w");
    }

    @Test
    void shrinkingNumprocsRemovesTheHighestInstances() {
        ConfigDiff d = diff("programs:\n  w:\n    cmd: x\n    numprocs: 5\n",
                "programs:\n  w:\n    cmd: x\n    numprocs: 3\n");
        assertThat(d.instanceNames(UNCHANGED)).containsExactly("w:0", "w:1", "w:2");
        assertThat(d.instanceNames(REMOVED)).containsExactly("w:3", "w:4");
    }

    @Test
    void numprocsAndAPolicyChangeTogetherUpdateTheKeptInstances() {
        ConfigDiff d = diff("programs:\n  w:\n    cmd: x\n    numprocs: 2\n",
                "programs:\n  w:\n    cmd: x\n    numprocs: 3\n    autorestart: always\n");
        assertThat(d.instanceNames(UPDATED)).containsExactly("w:0", "w:1");
        assertThat(d.instanceNames(ADDED)).containsExactly("w:2");
    }

    @Test
    void numprocsAndACommandChangeRestartTheKeptInstances() {
        ConfigDiff d = diff("programs:\n  w:\n    cmd: x\n    numprocs: 3\n",
                "programs:\n  w:\n    cmd: y\n    numprocs: 2\n");
        assertThat(d.instanceNames(CHANGED)).containsExactly("w:0", "w:1");
        assertThat(d.instanceNames(REMOVED)).containsExactly("w:2");
    }

    @Test
    void goingFromOneToTwoInstancesRenamesThem() {
        ConfigDiff d = diff("programs:\n  w:\n    cmd: x\n", "programs:\n  w:\n    cmd: x\n    numprocs: 2\n");
        assertThat(d.instanceNames(REMOVED)).containsExactly("w");
        assertThat(d.instanceNames(ADDED)).containsExactly("w:0", "w:1");
    }

    @Test
    void serverChangesAreFlagged() {
        ConfigDiff d = diff("server: {loglevel: info}\n", "server: {loglevel: debug}\n");
        assertThat(d.serverChanged()).isTrue();
        assertThat(d.isEmpty()).isTrue();
    }
}

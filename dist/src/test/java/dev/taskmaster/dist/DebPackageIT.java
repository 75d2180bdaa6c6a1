package dev.taskmaster.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Debian package, installed on this machine with dpkg, used, and purged (issue 16: "CI
 * installs the .deb on the CI machine, runs taskmasterd --check-config on the installed config
 * and systemd-analyze verify on the unit, and uninstalls it cleanly"). It needs root and dpkg;
 * it runs wherever it leaves nothing behind, so it skips when a taskmaster package is already
 * installed (it would be replaced, then purged) or a taskmaster user exists, and under CI=true
 * it fails instead of skipping. systemd-analyze comes from Debian's systemd package (.ci/run
 * installs it).
 */
class DebPackageIT {

    /** dpkg waits for its lock and runs man-db's trigger: minutes on a loaded machine. */
    static final Duration LIMIT = Duration.ofMinutes(10);
    static final String VERSION = System.getProperty("project.version", "0.1.0-SNAPSHOT");
    static final boolean CI = "true".equals(System.getenv("CI"));

    @TempDir
    Path tmp;

    private Run.Result run(String... command) {
        return Run.run(tmp, Map.of(), LIMIT, command);
    }

    private void require(boolean condition, String why) {
        if (!condition && CI) {
            throw new AssertionError(why + ", and CI=true: the package must be installed and purged in CI");
        }
        Assumptions.assumeTrue(condition, why + ": the Debian package is not installed by this test");
    }

    @Test
    void installsChecksItsConfigurationVerifiesItsUnitAndPurgesCleanly() {
        require("root".equals(System.getProperty("user.name")), "not root");
        require(Files.isExecutable(Path.of("/usr/bin/dpkg")), "no dpkg");
        require(run("dpkg-query", "-W", "-f=${Status}", "taskmaster").out().isEmpty()
                || !run("dpkg-query", "-W", "-f=${Status}", "taskmaster").out().contains("installed"), "a taskmaster package is installed");
        require(run("getent", "passwd", "taskmaster").code() != 0, "a taskmaster user exists");
        Path deb = Path.of("target", "taskmaster_" + VERSION + "_all.deb").toAbsolutePath();
        assertThat(deb).exists();
        boolean logsBefore = Files.exists(Path.of("/var/log/taskmaster"));
        try {
            Run.Result install = run("dpkg", "-i", deb.toString());
            assertThat(install.code()).as("dpkg -i: %s%s", install.out(), install.err()).isZero();

            // Where a Debian system keeps each thing.
            for (String f : new String[] {"/usr/bin/taskmasterd", "/usr/bin/taskmasterctl", "/usr/bin/taskmaster-tui"}) {
                assertThat(Path.of(f)).as(f).isExecutable();
            }
            assertThat(Path.of("/etc/taskmaster/taskmaster.yaml")).isRegularFile();
            assertThat(Path.of("/lib/systemd/system/taskmasterd.service")).isRegularFile();
            assertThat(Path.of("/usr/share/man/man1/taskmasterd.1.gz")).isRegularFile();
            assertThat(Path.of("/usr/share/bash-completion/completions/taskmasterctl")).isRegularFile();
            assertThat(Path.of("/var/log/taskmaster")).isDirectory();
            Run.Result user = run("getent", "passwd", "taskmaster");
            assertThat(user.code()).as("the system user").isZero();
            assertThat(user.out()).contains(":/usr/sbin/nologin");
            assertThat(Integer.parseInt(user.out().split(":")[2])).as("a system uid").isLessThan(1000);

            // The installed daemon accepts the installed configuration (server.user names the new user).
            Run.Result check = run("/usr/bin/taskmasterd", "--check-config", "/etc/taskmaster/taskmaster.yaml");
            assertThat(check.code()).as(check.err()).isZero();
            assertThat(check.out()).isEqualTo("ok\n");
            // The installed completion, as bash loads it from bash-completion's directory.
            Run.Result completion = run("bash", "--norc", "-c", "source /usr/share/bash-completion/completions/taskmasterctl;"
                    + " COMP_WORDS=(taskmasterctl sta); COMP_CWORD=1; _taskmasterctl; printf '%s\\n' \"${COMPREPLY[@]}\"");
            assertThat(completion.out()).isEqualTo("status\nstart\n");

            boolean analyze = Files.isExecutable(Path.of("/usr/bin/systemd-analyze"));
            require(analyze, "systemd-analyze is not installed (apt-get install systemd)");
            Run.Result verify = run("systemd-analyze", "verify", "/lib/systemd/system/taskmasterd.service");
            assertThat(verify.code()).as("systemd-analyze verify: %s", verify.err()).isZero();
            assertThat(verify.err()).doesNotContain("taskmasterd.service:");
        } finally {
            Run.Result purge = run("dpkg", "--purge", "taskmaster");
            assertThat(purge.code()).as("dpkg --purge: %s", purge.err()).isZero();
        }
        // Purged: nothing of it is left.
        assertThat(run("dpkg-query", "-W", "-f=${Status}", "taskmaster").out()).doesNotContain("installed");
        assertThat(run("getent", "passwd", "taskmaster").code()).as("the user is gone").isNotZero();
        assertThat(run("getent", "group", "taskmaster").code()).as("the group is gone").isNotZero();
        assertThat(Path.of("/usr/bin/taskmasterd")).doesNotExist();
        assertThat(Path.of("/usr/lib/taskmaster")).doesNotExist();
        assertThat(Path.of("/etc/taskmaster")).doesNotExist();
        if (!logsBefore) {
            assertThat(Path.of("/var/log/taskmaster")).doesNotExist();
        }
    }
}

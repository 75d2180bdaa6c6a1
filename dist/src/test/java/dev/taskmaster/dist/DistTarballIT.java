package dev.taskmaster.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tarball the build makes, unpacked elsewhere and used from there (issue 16: "there is no
 * install: the launchers run from the checkout"): its launchers find their jars, the man pages
 * are the commands' own, the completion scripts are the ones taskmasterctl prints, and every
 * file a system install needs is in it.
 */
class DistTarballIT {

    static final Duration LIMIT = Duration.ofSeconds(60);
    static final String VERSION = System.getProperty("project.version", "0.1.0-SNAPSHOT");

    @TempDir
    Path tmp;

    @Test
    void unpackedAnywhereItRunsAndHoldsEverythingAnInstallNeeds() throws IOException {
        Path tarball = Path.of("target", "taskmaster-" + VERSION + ".tar.gz").toAbsolutePath();
        assertThat(tarball).exists();
        Run.Result untar = Run.run(tmp, Map.of(), LIMIT, "tar", "-xzf", tarball.toString(), "-C", tmp.toString());
        assertThat(untar.code()).as(untar.err()).isZero();
        Path home = tmp.resolve("taskmaster-" + VERSION);

        for (String f : new String[] {"bin/taskmasterd", "bin/taskmasterctl", "bin/taskmaster-tui", "lib/taskmaster/launch",
                "lib/taskmaster/find-jdk"}) {
            assertThat(Files.getPosixFilePermissions(home.resolve(f))).as(f).contains(PosixFilePermission.OTHERS_EXECUTE);
        }
        for (String f : new String[] {"lib/taskmaster/taskmasterd.jar", "lib/taskmaster/taskmasterctl.jar",
                "lib/taskmaster/taskmaster-tui.jar", "etc/taskmaster/taskmaster.yaml", "etc/logrotate.d/taskmaster",
                "lib/systemd/system/taskmasterd.service", "share/doc/taskmaster/README.md", "share/doc/taskmaster/cli.md",
                "share/doc/taskmaster/examples/minimal.yaml", "share/bash-completion/completions/taskmasterctl",
                "share/zsh/vendor-completions/_taskmasterctl", "share/fish/vendor_completions.d/taskmasterctl.fish"}) {
            assertThat(home.resolve(f)).as(f).isRegularFile();
        }

        // The launchers work from the unpacked tree, through a symlink on PATH too.
        Path link = Files.createSymbolicLink(tmp.resolve("taskmasterd"), home.resolve("bin/taskmasterd"));
        Run.Result check = Run.run(tmp, Map.of(), LIMIT, link.toString(), "--check-config",
                home.resolve("share/doc/taskmaster/examples/minimal.yaml").toString());
        assertThat(check.code()).as(check.err()).isZero();
        assertThat(check.out()).isEqualTo("ok\n");
        Run.Result version = Run.run(tmp, Map.of(), LIMIT, home.resolve("bin/taskmasterctl").toString(), "--version");
        assertThat(version.out()).startsWith("taskmasterctl ");
        Run.Result bash = Run.run(tmp, Map.of(), LIMIT, home.resolve("bin/taskmasterctl").toString(), "completion", "bash");
        assertThat(Files.readString(home.resolve("share/bash-completion/completions/taskmasterctl"))).isEqualTo(bash.out());

        // The man pages: troff, one per command, describing its real options and verbs.
        String ctl = gunzip(home.resolve("share/man/man1/taskmasterctl.1.gz"));
        assertThat(ctl).startsWith(".\\\" Generated").contains(".TH TASKMASTERCTL 1", ".SH SYNOPSIS", "\\fB\\-\\-timeout\\fR",
                ".SS status [TARGET...]", ".SS completion SHELL", ".SH EXIT STATUS").doesNotContain(".SS reread", "__complete");
        assertThat(gunzip(home.resolve("share/man/man1/taskmasterd.1.gz"))).contains(".TH TASKMASTERD 1",
                "\\fB\\-\\-check\\-config\\fR", ".SH SIGNALS");
        assertThat(gunzip(home.resolve("share/man/man1/taskmaster-tui.1.gz"))).contains(".TH TASKMASTER\\-TUI 1", ".SH OPTIONS");
        // man itself reads them without a complaint, when it is installed.
        if (Files.isExecutable(Path.of("/usr/bin/man"))) {
            Run.Result man = Run.run(tmp, Map.of("MANWIDTH", "80"), LIMIT, "man", "--warnings", "-l",
                    home.resolve("share/man/man1/taskmasterctl.1.gz").toString());
            assertThat(man.code()).as(man.err()).isZero();
            assertThat(man.out()).contains("taskmasterctl - Control a running taskmasterd.");
        }
    }

    static String gunzip(Path file) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}

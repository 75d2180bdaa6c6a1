package dev.taskmaster.dist;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import picocli.CommandLine;

/**
 * Writes taskmasterd.1.gz, taskmasterctl.1.gz and taskmaster-tui.1.gz from the three command
 * trees, so a man page can never disagree with {@code --help}. Run by dist/build-dist at build
 * time: {@code ManPages OUTPUT_DIR VERSION DATE}.
 */
public final class ManPages {

    private ManPages() {}

    public static void main(String[] args) throws IOException {
        Path out = Files.createDirectories(Path.of(args[0]));
        String version = args[1];
        String date = args[2];
        Troff.Section seeAlso = new Troff.Section("See also", List.of(
                "taskmasterd(1), taskmasterctl(1), taskmaster\\-tui(1); the reference in /usr/share/doc/taskmaster"
                        + " (configuration.md, taskmasterd.md, cli.md, tui.md, security.md, remote.md)."));
        write(out, "taskmasterd", Troff.page(dev.taskmaster.server.daemon.DaemonCommand.commandLine(null), version, date, List.of(
                new Troff.Section("Exit status", List.of("0 after a clean shutdown (or a valid configuration with"
                        + " \\-\\-check\\-config); 1 when the configuration is invalid; 3 when the daemon could not start"
                        + " (a busy socket or port, too few open files…; nothing is left running).")),
                new Troff.Section("Signals", List.of("SIGTERM and SIGINT stop every program and the daemon; SIGHUP reloads"
                        + " the configuration (and TLS certificates); SIGUSR2 reopens the programs' log files.")),
                new Troff.Section("Files", List.of("/etc/taskmaster/taskmaster.yaml (the system service's configuration),"
                        + " /var/log/taskmaster (logs of a daemon run by root), $XDG_RUNTIME_DIR/taskmaster/INSTANCE.sock (the socket).")),
                seeAlso)));
        write(out, "taskmasterctl", Troff.page(dev.taskmaster.cli.TaskmasterCtl.commandTree(), version, date, List.of(
                new Troff.Section("Exit status", List.of("0 success; 1 a command failed for some process; 2 bad usage;"
                        + " 3 some process is not RUNNING (status, pid); 4 no such process or program; 5 TLS failed;"
                        + " 6 the daemon cannot be reached; 7 not authorised.")),
                new Troff.Section("Completion", List.of("bash, zsh and fish complete verbs, options, signals and the"
                        + " daemon's names: the package installs the scripts; else source the output of"
                        + " taskmasterctl completion bash|zsh|fish.")),
                seeAlso)));
        write(out, "taskmaster-tui", Troff.page(new CommandLine(new dev.taskmaster.tui.TaskmasterTui()), version, date,
                List.of(seeAlso)));
    }

    private static void write(Path dir, String name, String page) throws IOException {
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(dir.resolve(name + ".1.gz")))) {
            o.write(page.getBytes(StandardCharsets.UTF_8));
        }
    }
}

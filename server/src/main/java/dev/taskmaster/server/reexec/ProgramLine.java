package dev.taskmaster.server.reexec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The command line this daemon was started with, as the kernel keeps it ({@code /proc/self/cmdline}:
 * the java binary, the launcher's JVM options — the AOT cache among them — the jar and the
 * daemon's own options), and the one its re-exec runs: the same, with the handover's descriptor.
 *
 * @param executable the running java binary ({@code /proc/self/exe}), which execve runs again
 * @param arguments  argv, argv[0] included, without any handover option of a previous re-exec nor
 *                   {@code --fresh}
 */
record ProgramLine(Path executable, List<String> arguments) {

    /** The daemon's option naming the handover's descriptor (DaemonCommand). */
    static final String HANDOVER_OPTION = "--reexec-handover";
    /** Kills what a crashed daemon left: never what a re-exec keeps. */
    static final String FRESH_OPTION = "--fresh";

    static ProgramLine current() throws IOException {
        Path exe = Files.readSymbolicLink(Path.of("/proc/self/exe"));
        byte[] raw = Files.readAllBytes(Path.of("/proc/self/cmdline"));
        List<String> args = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == 0) {
                args.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start < raw.length) {
            args.add(new String(raw, start, raw.length - start, StandardCharsets.UTF_8));
        }
        if (args.isEmpty()) {
            throw new IOException("/proc/self/cmdline is empty");
        }
        return new ProgramLine(exe, withoutHandover(args));
    }

    static List<String> withoutHandover(List<String> args) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.startsWith(HANDOVER_OPTION + "=")) {
                continue;
            }
            if (a.equals(HANDOVER_OPTION)) {
                i++; // and its value
                continue;
            }
            if (a.equals(FRESH_OPTION)) {
                continue; // once was enough: the programs running now are the daemon's own, to be kept
            }
            out.add(a);
        }
        return out;
    }

    /** The jar after {@code -jar}, if the JVM was started so (bin/taskmasterd does). */
    Optional<Path> jar() {
        int i = arguments.indexOf("-jar");
        return i >= 0 && i + 1 < arguments.size() ? Optional.of(Path.of(arguments.get(i + 1))) : Optional.empty();
    }

    /** The argv of the re-exec: this one and the handover's descriptor. */
    List<String> withHandover(int fd) {
        List<String> out = new ArrayList<>(arguments);
        out.add(HANDOVER_OPTION + "=" + fd);
        return out;
    }

    /**
     * Why execve of this line would not start a daemon, checked before anything is stopped: the
     * binary and the jar must still be there and usable by the daemon's user (after an upgrade,
     * or when it dropped privileges).
     */
    Optional<String> unusable() {
        if (!Files.isExecutable(executable)) {
            return Optional.of("the java binary " + executable + " is not executable by this user any more");
        }
        Optional<Path> jar = jar();
        if (jar.isPresent() && !Files.isReadable(jar.get())) {
            return Optional.of("the jar " + jar.get() + " is not readable by this user");
        }
        if (jar.isEmpty() && arguments.stream().noneMatch(a -> a.equals("-cp") || a.equals("-classpath")
                || a.startsWith("--class-path"))) {
            return Optional.of("this JVM was not started from a jar (" + String.join(" ", arguments) + ")");
        }
        return Optional.empty();
    }
}

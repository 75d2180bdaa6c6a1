package dev.taskmaster.it;

import dev.taskmaster.testkit.Poll;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Runs a script of the repository's bin/ (or ./mvnw) as a real process, with output to files,
 * for integration tests. {@link #close()} kills it if it is still running, so no test leaves
 * a process behind.
 */
final class BinProcess implements AutoCloseable {

    /** Failsafe runs from the module directory; the repository is its parent. */
    static final Path REPO = Path.of("..").toAbsolutePath().normalize();

    private final Process process;
    private final Path out;
    private final Path err;

    private BinProcess(Process process, Path out, Path err) {
        this.process = process;
        this.out = out;
        this.err = err;
    }

    /**
     * The environment of a daemon and its clients in a test: runtime and state directories inside
     * {@code tmp} (so the socket, pidfile and logs are the test's own), plus {@code extra} pairs.
     */
    static Map<String, String> env(Path tmp, String... extra) {
        Map<String, String> env = new java.util.HashMap<>(Map.of("XDG_RUNTIME_DIR", tmp.resolve("run").toString(),
                "XDG_STATE_HOME", tmp.resolve("state").toString()));
        for (int i = 0; i < extra.length; i += 2) {
            env.put(extra[i], extra[i + 1]);
        }
        return Map.copyOf(env);
    }

    static BinProcess start(Path tmp, Map<String, String> env, String... command) {
        try {
            List<String> argv = new ArrayList<>(List.of(command));
            argv.set(0, REPO.resolve(argv.getFirst()).toString());
            Path out = Files.createTempFile(tmp, "out", ".txt");
            Path err = Files.createTempFile(tmp, "err", ".txt");
            ProcessBuilder pb = new ProcessBuilder(argv).directory(REPO.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().putAll(env);
            return new BinProcess(pb.start(), out, err);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs to completion (at most {@code limit}) and returns the exit code. */
    int waitFor(Duration limit) throws InterruptedException {
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("still running after " + limit + ": stdout=" + stdout() + " stderr=" + stderr());
        }
        return process.exitValue();
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    String stdout() {
        return read(out);
    }

    String stderr() {
        return read(err);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How a command ended: its exit code, standard output and standard error. */
    record Result(int code, String out, String err) {}

    /** Runs {@code bin/taskmasterctl ARGS} with {@code env} to completion (at most {@code limit}). */
    static Result ctl(Path tmp, Map<String, String> env, Duration limit, String... args) throws InterruptedException {
        String[] argv = new String[args.length + 1];
        argv[0] = "bin/taskmasterctl";
        System.arraycopy(args, 0, argv, 1, args.length);
        try (BinProcess p = start(tmp, env, argv)) {
            int code = p.waitFor(limit);
            return new Result(code, p.stdout(), p.stderr());
        }
    }

    /**
     * Shuts {@code daemon} down as a user would ({@code taskmasterctl shutdown}), so its processes
     * go with it, and waits for it and every child it had; kills whatever is left.
     */
    static void shutdown(BinProcess daemon, Path tmp, Map<String, String> env, Duration limit) throws InterruptedException {
        List<ProcessHandle> children = ProcessHandle.of(daemon.pid()).map(h -> h.descendants().toList()).orElse(List.of());
        try {
            ctl(tmp, env, limit, "shutdown");
            daemon.waitFor(limit);
            for (ProcessHandle child : children) {
                await("pid " + child.pid() + " to be gone", limit, () -> !child.isAlive());
            }
        } finally {
            children.forEach(ProcessHandle::destroyForcibly);
            daemon.close();
        }
    }

    /** Polls {@code condition} until it holds or {@code limit} passes. */
    static void await(String what, Duration limit, BooleanSupplier condition) throws InterruptedException {
        Poll.until(what, limit, condition);
    }

    @Override
    public void close() {
        // The launcher execs java, so this pid is the JVM itself.
        if (process.isAlive()) {
            // A daemon killed outright leaves its programs behind (a test that failed half-way):
            // they are taken by pid before, and killed after it.
            List<ProcessHandle> left = process.toHandle().descendants().toList();
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            left.forEach(ProcessHandle::destroyForcibly);
        }
    }
}

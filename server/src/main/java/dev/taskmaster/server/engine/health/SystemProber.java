package dev.taskmaster.server.engine.health;

import dev.taskmaster.config.HealthCheck;
import dev.taskmaster.config.InstanceSpec;
import dev.taskmaster.config.ProgramSpec;
import dev.taskmaster.server.os.NativeException;
import dev.taskmaster.server.os.Posix;
import dev.taskmaster.server.os.UserInfo;
import dev.taskmaster.server.os.Users;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Probes for real: a heartbeat file's age, a TCP connect, an HTTP GET, a command run as the
 * program runs (its environment, directory and user, switched with {@code setpriv} as the
 * launcher does). Heartbeat, TCP and HTTP probes run on a virtual thread each, so a thousand slow
 * probes cost no platform threads and never touch the engine thread. Command probes run on a
 * small pool of platform threads instead: starting a process and waiting for it are blocking
 * native calls that pin a virtual thread's carrier, and with a thousand programs the two carriers
 * of a small machine were held by spawns, so probes waited for a carrier past their timeout and
 * healthy programs were reported UNHEALTHY (bench/health). A command probe's timeout runs from its
 * start: one that waits for a free thread is late (ProbeLateness says how late), not failed.
 * Each probe enforces its timeout, a command by killing it and what it started. Thread-safe.
 */
public final class SystemProber implements Prober {

    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    /** A heartbeat written just before the daemon noted the start is still the process's own. */
    private static final Duration START_SLACK = Duration.ofSeconds(1);
    private static final int COMMAND_THREADS = Math.max(16, 4 * Runtime.getRuntime().availableProcessors());

    private final Map<String, String> daemonEnv;
    private final ExecutorService threads = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("probe-", 0).factory());
    /** Command probes: spawn and wait, several at a time (most of a probe is waiting for the spawn and the exit, not CPU). */
    private final ExecutorService commands = Executors.newFixedThreadPool(COMMAND_THREADS,
            Thread.ofPlatform().name("probe-cmd-", 0).daemon().factory());
    /** Readers of command probes' output: blocking pipe reads, one per running command probe at most. */
    private final ExecutorService readers = Executors.newCachedThreadPool(
            Thread.ofPlatform().name("probe-out-", 0).daemon().factory());
    /** Made at the first HTTP probe: a client has a selector thread of its own, which most daemons never need. */
    private HttpClient http;
    private boolean closed;

    /** @param daemonEnv the environment programs inherit, under their own {@code env} */
    public SystemProber(Map<String, String> daemonEnv) {
        this.daemonEnv = Map.copyOf(daemonEnv);
    }

    @Override
    public CompletableFuture<ProbeResult> probe(ProbeTarget target, Duration timeout) {
        CompletableFuture<ProbeResult> f = new CompletableFuture<>();
        long handed = System.nanoTime();
        ExecutorService runner = target.probe() instanceof HealthCheck.Command ? commands : threads;
        try {
            runner.execute(() -> {
                ProbeLateness.dispatch(handed, System.nanoTime());
                try {
                    f.complete(run(target, timeout));
                } catch (InterruptedException e) {
                    f.complete(ProbeResult.failed("interrupted: the daemon is stopping"));
                } catch (Exception | Error e) {
                    f.complete(ProbeResult.failed(describe(e)));
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            f.complete(ProbeResult.failed("not run: the daemon is stopping"));
        }
        return f;
    }

    private ProbeResult run(ProbeTarget target, Duration timeout) throws Exception {
        return switch (target.probe()) {
            case HealthCheck.Heartbeat h -> heartbeat(h.file(target.instance()), h.maxAge(), target.startedAt());
            case HealthCheck.Tcp t -> tcp(t, timeout);
            case HealthCheck.Http h -> http(h, timeout);
            case HealthCheck.Command c -> command(target.instance(), c, timeout);
        };
    }

    static ProbeResult heartbeat(Path file, Duration maxAge, Instant startedAt) throws IOException {
        Instant modified;
        try {
            modified = Files.getLastModifiedTime(file).toInstant();
        } catch (NoSuchFileException e) {
            return ProbeResult.failed("no heartbeat: " + file + " does not exist");
        }
        Instant now = Instant.now();
        if (modified.isBefore(startedAt.minus(START_SLACK))) {
            return ProbeResult.failed("no heartbeat since the process started: " + file + " was last touched at " + modified);
        }
        Duration age = Duration.between(modified, now);
        String said = "heartbeat " + seconds(age.isNegative() ? Duration.ZERO : age) + " old";
        return age.compareTo(maxAge) <= 0 ? ProbeResult.healthy(said)
                : ProbeResult.failed(said + ", older than max_age " + seconds(maxAge));
    }

    private static ProbeResult tcp(HealthCheck.Tcp t, Duration timeout) throws IOException {
        String where = (t.host().contains(":") ? "[" + t.host() + "]" : t.host()) + ":" + t.port();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(t.host(), t.port()), (int) Math.max(1, timeout.toMillis()));
            return ProbeResult.healthy("connected to " + where);
        } catch (java.net.SocketTimeoutException e) {
            return ProbeResult.failed("cannot connect to " + where + ": no answer within " + seconds(timeout));
        } catch (IOException e) {
            return ProbeResult.failed("cannot connect to " + where + ": " + e.getMessage());
        }
    }

    private ProbeResult http(HealthCheck.Http h, Duration timeout) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(h.url()).GET().timeout(timeout)
                .header("User-Agent", "taskmasterd-health-check").build();
        HttpClient client = httpClient();
        if (client == null) {
            return ProbeResult.failed("not run: the daemon is stopping");
        }
        try {
            HttpResponse<Void> r = client.send(request, HttpResponse.BodyHandlers.discarding());
            String said = "HTTP " + r.statusCode() + " from " + h.url();
            return r.statusCode() >= 200 && r.statusCode() < 400 ? ProbeResult.healthy(said) : ProbeResult.failed(said);
        } catch (java.net.http.HttpTimeoutException e) {
            return ProbeResult.failed("GET " + h.url() + ": no answer within " + seconds(timeout));
        } catch (IOException e) {
            return ProbeResult.failed("GET " + h.url() + ": " + describe(e));
        }
    }

    private ProbeResult command(InstanceSpec instance, HealthCheck.Command c, Duration timeout) throws Exception {
        ProgramSpec p = instance.program();
        Map<String, String> env = new LinkedHashMap<>(daemonEnv);
        env.put("TASKMASTER_PROCESS_NAME", instance.name());
        env.put("TASKMASTER_GROUP_NAME", p.group());
        env.putAll(p.env());
        List<String> argv = new ArrayList<>(c.argv());
        Optional<UserInfo> user = user(p);
        if (user.isPresent()) {
            UserInfo u = user.get();
            env.put("HOME", p.env().getOrDefault("HOME", u.home().toString()));
            env.put("LOGNAME", p.env().getOrDefault("LOGNAME", u.name()));
            env.put("USER", p.env().getOrDefault("USER", u.name()));
            argv.addAll(0, List.of(SETPRIV.toString(), "--reuid=" + u.uid(), "--regid=" + u.gid(), "--init-groups", "--"));
        } else {
            argv.set(0, resolve(argv.getFirst(), env.get("PATH"), p.workingdir()));
        }
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().clear();
        pb.environment().putAll(env);
        p.workingdir().ifPresent(d -> pb.directory(d.toFile()));
        Process proc;
        try {
            proc = pb.start();
        } catch (IOException e) {
            return ProbeResult.failed("cannot run " + c.cmd() + ": " + describe(e));
        }
        InputStream out = proc.getInputStream();
        Future<String> said;
        try {
            said = readers.submit(() -> readBounded(out));
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            kill(proc);
            return ProbeResult.failed("not run: the daemon is stopping");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            if (!proc.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                kill(proc);
                return ProbeResult.failed("did not finish within " + seconds(timeout) + "; killed" + tail(said, out, 0));
            }
        } catch (InterruptedException e) {
            kill(proc);
            throw e;
        }
        int code = proc.exitValue();
        // What it left running may hold the pipe open: wait for the output only as long as the timeout allows.
        String text = tail(said, out, Math.max(0, deadline - System.nanoTime()));
        return code == 0 ? ProbeResult.healthy("exited with code 0" + text)
                : ProbeResult.failed("exited with code " + code + text);
    }

    private static Optional<UserInfo> user(ProgramSpec p) throws NativeException, IOException {
        if (p.user().isEmpty()) {
            return Optional.empty();
        }
        UserInfo u = Users.lookup(p.user().get()).orElseThrow(() -> new IOException("unknown user \"" + p.user().get() + "\""));
        if (u.uid() == Posix.geteuid()) {
            return Optional.empty();
        }
        return Optional.of(u);
    }

    /** The program as execvp would find it with the program's PATH (ProcessBuilder would use the daemon's). */
    private static String resolve(String command, String path, Optional<Path> dir) {
        if (command.contains("/")) {
            return dir.map(d -> d.resolve(command).toString()).orElse(command);
        }
        for (String entry : (path == null ? "/usr/local/bin:/usr/bin:/bin" : path).split(":")) {
            Path candidate = Path.of(entry.isEmpty() ? "." : entry).resolve(command);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return command; // not found: the start fails with the reason
    }

    private static void kill(Process proc) {
        proc.descendants().forEach(ProcessHandle::destroyForcibly);
        proc.destroyForcibly();
    }

    private static String tail(Future<String> said, InputStream out, long waitNanos) {
        String text;
        try {
            text = said.get(waitNanos, TimeUnit.NANOSECONDS);
        } catch (Exception e) {
            said.cancel(true);
            try {
                out.close();
            } catch (IOException ignored) {
                // nothing more to read either way
            }
            text = "";
        }
        text = text.strip();
        return text.isEmpty() ? "" : ": " + text;
    }

    /** The first {@link ProbeResult#MAX_OUTPUT} bytes; the rest is read and dropped so the probe never blocks writing. */
    private static String readBounded(InputStream in) throws IOException {
        byte[] kept = new byte[ProbeResult.MAX_OUTPUT];
        int n = 0;
        byte[] buf = new byte[8192];
        for (int r; (r = in.read(buf)) != -1; ) {
            int take = Math.min(r, kept.length - n);
            System.arraycopy(buf, 0, kept, n, take);
            n += take;
        }
        return new String(kept, 0, n, StandardCharsets.UTF_8);
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    private static String seconds(Duration d) {
        return dev.taskmaster.server.engine.lifecycle.RestartRules.seconds(d);
    }

    private synchronized HttpClient httpClient() {
        if (http == null && !closed) {
            http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).executor(threads).build();
        }
        return http;
    }

    @Override
    public synchronized void close() {
        closed = true;
        threads.shutdownNow();
        commands.shutdownNow();
        readers.shutdownNow();
        if (http != null) {
            http.shutdownNow();
        }
    }
}

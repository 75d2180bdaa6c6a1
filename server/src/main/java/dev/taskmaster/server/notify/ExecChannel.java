package dev.taskmaster.server.notify;

import dev.taskmaster.config.NotifyTarget;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a rule's command for each message: the message's JSON on its standard input, its
 * {@code TASKMASTER_*} variables added to the daemon's environment. A plain child of the daemon
 * (not a supervised program): killed with whatever it started when it runs past the timeout,
 * so nothing is left behind. Exit 0 is delivered; another exit is a transient failure whose
 * reason is the last line it wrote on standard error; a command that cannot be run at all is a
 * permanent one.
 *
 * <p>Threading: as {@link Channel}; each delivery uses two short-lived virtual threads for the pipes.
 */
public final class ExecChannel implements Channel {

    /** Bytes of standard error kept to find its last line. */
    private static final int STDERR_BYTES = 4096;

    private final NotifyTarget.Exec target;
    private final Duration timeout;

    public ExecChannel(NotifyTarget.Exec target, Duration timeout) {
        this.target = target;
        this.timeout = timeout;
    }

    @Override
    public void deliver(Message message) throws DeliveryException {
        ProcessBuilder pb = new ProcessBuilder(target.argv()).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Map<String, String> env = pb.environment();
        env.putAll(message.env());
        Process proc;
        try {
            proc = pb.start();
        } catch (IOException e) {
            throw new DeliveryException("cannot run " + target.argv().getFirst() + ": " + reason(e), true, e);
        }
        byte[] json = message.json().getBytes(StandardCharsets.UTF_8);
        // Both pipes on their own threads: a command that reads nothing must not hold the write up, nor one that writes much the wait.
        CompletableFuture<Void> fed = CompletableFuture.runAsync(() -> feed(proc.getOutputStream(), json),
                r -> Thread.ofVirtual().name("notify-exec-stdin").start(r));
        CompletableFuture<String> said = CompletableFuture.supplyAsync(() -> lastBytes(proc.getErrorStream()),
                r -> Thread.ofVirtual().name("notify-exec-stderr").start(r));
        try {
            if (!proc.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                kill(proc);
                throw new DeliveryException(target.command() + " did not finish within " + seconds(timeout) + "; killed"
                        + lastLine(said), false);
            }
        } catch (InterruptedException e) {
            kill(proc);
            Thread.currentThread().interrupt();
            throw new DeliveryException(target.command() + ": interrupted; killed", false, e);
        }
        // What it left running may hold the pipes open: those go too.
        proc.descendants().forEach(ProcessHandle::destroyForcibly);
        fed.cancel(true);
        int code = proc.exitValue();
        if (code != 0) {
            throw new DeliveryException(target.command() + " exited with code " + code + lastLine(said), false);
        }
    }

    private static void feed(OutputStream in, byte[] json) {
        try (in) {
            in.write(json);
        } catch (IOException e) {
            // It closed its standard input without reading: its exit status tells whether that was fine.
        }
    }

    private static String lastBytes(InputStream err) {
        byte[] ring = new byte[STDERR_BYTES];
        long total = 0;
        byte[] buf = new byte[1024];
        try (err) {
            int n;
            while ((n = err.read(buf)) > 0) {
                for (int i = 0; i < n; i++) {
                    ring[(int) (total++ % STDERR_BYTES)] = buf[i];
                }
            }
        } catch (IOException e) {
            // Closed by a kill: what was read is what there is.
        }
        int len = (int) Math.min(total, STDERR_BYTES);
        byte[] out = new byte[len];
        for (int i = 0; i < len; i++) {
            out[i] = ring[(int) ((total - len + i) % STDERR_BYTES)];
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    /** {@code ": <its last line on stderr>"}, or nothing, waiting at most a moment for the pipe to end. */
    private static String lastLine(CompletableFuture<String> said) {
        String text;
        try {
            text = said.get(500, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            said.cancel(true);
            return "";
        }
        return text.strip().lines().reduce((a, b) -> b).map(l -> ": " + (l.length() > 300 ? l.substring(0, 300) + "…" : l))
                .orElse("");
    }

    private static void kill(Process proc) {
        proc.descendants().forEach(ProcessHandle::destroyForcibly);
        proc.destroyForcibly();
        try {
            proc.waitFor(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String reason(IOException e) {
        // "Cannot run program "x": error=2, No such file or directory", or "…: Exec failed, error: 2 (No such file or directory)".
        String m = (e.getMessage() == null ? e.toString() : e.getMessage()).strip();
        java.util.regex.Matcher paren = java.util.regex.Pattern.compile("error: ?\\d+ \\(([^)]*)\\)$").matcher(m);
        java.util.regex.Matcher comma = java.util.regex.Pattern.compile("error=\\d+, (.*)$").matcher(m);
        String why = paren.find() ? paren.group(1) : comma.find() ? comma.group(1) : m;
        return why.toLowerCase(java.util.Locale.ROOT);
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    @Override
    public String describe() {
        return "exec " + target.command();
    }
}

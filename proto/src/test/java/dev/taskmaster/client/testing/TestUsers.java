package dev.taskmaster.client.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A second, unprivileged local user for tests that need a file owned by someone else: created
 * with {@code useradd} the first time (which needs root; tests check {@link #root} first and
 * skip otherwise). Any thread.
 */
public final class TestUsers {

    /** The user the clients' tests make files for. */
    public static final String OTHER = "tm-clients-other";

    private TestUsers() {}

    /** Whether this process runs as root (and may create users and chown files). */
    public static boolean root() {
        return "root".equals(System.getProperty("user.name")) || run("id", "-u").strip().equals("0");
    }

    /** The uid of {@code name}, created (no home, no login) if it does not exist yet. */
    public static synchronized int uid(String name) {
        String id = tryRun("id", "-u", name);
        if (id == null) {
            // Another test JVM may be creating it at the same moment: useradd then fails, and id answers.
            tryRun("useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", "--user-group", name);
            id = run("id", "-u", name);
        }
        return Integer.parseInt(id.strip());
    }

    private static String run(String... command) {
        String out = tryRun(command);
        if (out == null) {
            throw new IllegalStateException("failed: " + String.join(" ", command));
        }
        return out;
    }

    /** The command's output, or null if it failed. */
    private static String tryRun(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 ? new String(out, StandardCharsets.UTF_8) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}

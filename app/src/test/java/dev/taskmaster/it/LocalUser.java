package dev.taskmaster.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A second, unprivileged local user, for tests that play someone else on the same machine.
 * Made with {@code useradd} the first time (a system account, no home, no login shell) and
 * kept: tests of several classes share it, and making it again would only race. Tests that
 * need it run as root only (they are skipped otherwise).
 */
record LocalUser(String name, int uid, int gid) {

    static final String NAME = "tm-intruder";

    /** How a command run as this user ended. */
    record Result(int code, String output) {}

    static LocalUser ensure() throws IOException, InterruptedException {
        Assumptions.assumeTrue("0".equals(run(List.of("id", "-u")).output().strip()), "needs root to create a user");
        if (run(List.of("id", "-u", NAME)).code() != 0) {
            // 9: made meanwhile by another test; anything else is a real failure.
            Result made = run(List.of("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", NAME));
            if (made.code() != 0 && made.code() != 9) {
                throw new IllegalStateException("useradd " + NAME + " failed (" + made.code() + "): " + made.output());
            }
        }
        int uid = Integer.parseInt(run(List.of("id", "-u", NAME)).output().strip());
        int gid = Integer.parseInt(run(List.of("id", "-g", NAME)).output().strip());
        return new LocalUser(NAME, uid, gid);
    }

    /** Runs {@code script} with {@code sh -c} as this user (its uid, gid and no other group). */
    Result sh(String script) throws IOException, InterruptedException {
        return run(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups", "--", "sh", "-c", script));
    }

    private static Result run(List<String> argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(argv + " did not finish");
        }
        return new Result(p.exitValue(), out);
    }
}

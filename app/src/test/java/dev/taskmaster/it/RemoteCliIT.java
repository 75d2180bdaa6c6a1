package dev.taskmaster.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real binaries end to end over TCP, as a user sets them up from docs/remote.md: a CA and
 * certificates from {@code taskmasterd tls}, a token from {@code taskmasterd token add}, the
 * contexts of {@code taskmasterctl context add}, and every verb a role may or may not run. The
 * clients have a runtime directory of their own, so nothing reaches the daemon by its socket.
 */
class RemoteCliIT {

    static final Duration LIMIT = Tmux.LIMIT;

    @TempDir
    Path tmp;
    Path pki;
    int mutualPort;
    int tokenPort;
    BinProcess daemon;

    /** The daemon's environment: its runtime and state directories in tmp. */
    private Map<String, String> daemonEnv() {
        return BinProcess.env(tmp);
    }

    /** The clients': another runtime directory (no socket there) and their own contexts file. */
    private Map<String, String> clientEnv() {
        return Map.of("XDG_RUNTIME_DIR", tmp.resolve("client-run").toString(),
                "XDG_CONFIG_HOME", tmp.resolve("client-config").toString(), "NO_COLOR", "1");
    }

    private BinProcess.Result ctl(String... args) throws Exception {
        return BinProcess.ctl(tmp, clientEnv(), LIMIT, args);
    }

    private BinProcess.Result ok(String... args) throws Exception {
        BinProcess.Result r = ctl(args);
        assertThat(r.code()).as("taskmasterctl %s: %s%s", String.join(" ", args), r.out(), r.err()).isZero();
        return r;
    }

    private BinProcess.Result run(String... command) throws Exception {
        try (BinProcess p = BinProcess.start(tmp, daemonEnv(), command)) {
            BinProcess.Result r = new BinProcess.Result(p.waitFor(LIMIT), p.stdout(), p.stderr());
            assertThat(r.code()).as("%s: %s", String.join(" ", command), r.err()).isZero();
            return r;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @BeforeEach
    void startDaemonAndMakeContexts() throws Exception {
        pki = tmp.resolve("pki");
        run("bin/taskmasterd", "tls", "init", pki.toString(), "--host", "127.0.0.1");
        for (String[] who : new String[][] {{"vera", "viewer"}, {"otto", "operator"}, {"ada", "admin"}}) {
            run("bin/taskmasterd", "tls", "client", who[0], "--role", who[1], "--dir", pki.toString());
        }
        Path tokens = tmp.resolve("tokens");
        String token = run("bin/taskmasterd", "token", "add", "bot", "--role", "operator", "--file", tokens.toString())
                .out().strip();
        Path tokenFile = Files.writeString(tmp.resolve("bot.token"), token + "\n");
        Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
        mutualPort = freePort();
        tokenPort = freePort();
        String tls = "cert: " + pki.resolve("server.crt") + ", key: " + pki.resolve("server.key");
        Path config = Files.writeString(tmp.resolve("taskmaster.yaml"), "server:\n"
                + "  tokens_file: " + tokens + "\n"
                + "  listen:\n"
                + "    - address: 127.0.0.1:" + mutualPort + "\n"
                + "      tls: {" + tls + ", client_ca: " + pki.resolve("ca.crt") + "}\n"
                + "    - address: 127.0.0.1:" + tokenPort + "\n"
                + "      tls: {" + tls + "}\n"
                + """
                programs:
                  web:
                    cmd: sleep 1000
                    starttime: 0
                  console:
                    cmd: /bin/sh -i
                    tty: true
                    starttime: 0
                    env:
                      PS1: "console$ "
                """);
        daemon = BinProcess.start(tmp, daemonEnv(), "bin/taskmasterd", "--allow-root", "-c", config.toString());
        String ca = pki.resolve("ca.crt").toString();
        for (String name : List.of("vera", "otto", "ada")) {
            ok("context", "add", name, "--server", "127.0.0.1:" + mutualPort, "--ca", ca,
                    "--cert", pki.resolve(name + ".crt").toString(), "--key", pki.resolve(name + ".key").toString());
        }
        ok("context", "add", "bot", "--server", "127.0.0.1:" + tokenPort, "--ca", ca, "--token-file", tokenFile.toString());
        BinProcess.await("the daemon to answer over mutual TLS", LIMIT, () -> {
            try {
                return ctl("--context", "ada", "status").code() == 0 || !daemon.isAlive();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(daemon.isAlive()).as("daemon: %s", daemon.stderr()).isTrue();
    }

    @AfterEach
    void stopDaemon() throws Exception {
        if (daemon != null && daemon.isAlive()) {
            BinProcess.shutdown(daemon, tmp, daemonEnv(), LIMIT);
        }
    }

    @Test
    void eachRoleRunsExactlyItsVerbsOverTlsAndIsAudited() throws Exception {
        for (String context : List.of("vera", "otto", "ada", "bot")) {
            BinProcess.Result status = ok("--context", context, "status");
            assertThat(status.out()).contains("web").contains("console").contains("RUNNING");
            assertThat(ok("--context", context, "info").out()).as(context).contains(switch (context) {
                case "vera" -> "viewer";
                case "otto", "bot" -> "operator";
                default -> "admin";
            });
        }
        assertThat(ok("--context", "vera", "tail", "console").code()).isZero();

        // A viewer reads, and is refused anything else with the role it lacks (exit 7).
        BinProcess.Result viewerStop = ctl("--context", "vera", "stop", "web");
        assertThat(viewerStop.code()).isEqualTo(7);
        assertThat(viewerStop.err()).contains("needs the operator role").contains("cert CN=vera is viewer");
        assertThat(ctl("--context", "vera", "reload").err()).contains("needs the admin role");

        // An operator (certificate or token) controls processes, but does not reload or shut down.
        ok("--context", "otto", "stop", "web");
        assertThat(ctl("--context", "otto", "status", "web").code()).isEqualTo(3);
        ok("--context", "bot", "start", "web");
        ok("--context", "otto", "signal", "USR1", "console");
        BinProcess.Result operatorReload = ctl("--context", "otto", "reload");
        assertThat(operatorReload.code()).isEqualTo(7);
        assertThat(operatorReload.err()).contains("needs the admin role").contains("cert CN=otto is operator");
        BinProcess.Result botShutdown = ctl("--context", "bot", "shutdown");
        assertThat(botShutdown.code()).isEqualTo(7);
        assertThat(botShutdown.err()).contains("needs the admin role").contains("token bot is operator");
        assertThat(daemon.isAlive()).isTrue();

        // The admin reloads; the daemon log names who did what, from where.
        ok("--context", "ada", "reload");
        String log = ok("--context", "ada", "maintail", "-n", "400").out();
        assertThat(log).containsPattern("audit: cert CN=otto \\[operator\\] from tcp 127\\.0\\.0\\.1:\\d+: StopProcesses"
                + " targets=\\[\"?web\"?\\].* -> OK");
        assertThat(log).containsPattern("audit: token bot \\[operator\\] from tcp 127\\.0\\.0\\.1:\\d+: StartProcesses");
        assertThat(log).containsPattern("audit: cert CN=vera \\[viewer\\] from tcp 127\\.0\\.0\\.1:\\d+: StopProcesses.*"
                + "PERMISSION_DENIED");
        assertThat(log).contains("requested by cert CN=otto");

        BinProcess.Result shutdown = ok("--context", "ada", "shutdown");
        assertThat(shutdown.code()).isZero();
        assertThat(daemon.waitFor(LIMIT)).isZero();
    }

    @Test
    void wrongCredentialsAreRefusedEachWithItsLineAndCode() throws Exception {
        String ca = pki.resolve("ca.crt").toString();
        String mutual = "127.0.0.1:" + mutualPort;

        // A token the daemon does not know.
        Path wrong = Files.writeString(tmp.resolve("wrong.token"), "not-a-token-of-this-daemon\n");
        Files.setPosixFilePermissions(wrong, PosixFilePermissions.fromString("rw-------"));
        BinProcess.Result badToken = ctl("--server", "127.0.0.1:" + tokenPort, "--ca", ca, "--token-file", wrong.toString(),
                "status");
        assertThat(badToken.code()).isEqualTo(7);
        assertThat(badToken.err().lines().count()).as(badToken.err()).isEqualTo(1);

        // No client certificate on a listener that requires one.
        BinProcess.Result noCert = ctl("--server", mutual, "--ca", ca, "status");
        assertThat(noCert.code()).as(noCert.err()).isEqualTo(7);
        assertThat(noCert.err().lines().count()).as(noCert.err()).isEqualTo(1);

        // A client that does not trust the daemon's CA: TLS fails on the client's side (exit 5).
        Path other = tmp.resolve("other-pki");
        run("bin/taskmasterd", "tls", "init", other.toString(), "--host", "127.0.0.1");
        run("bin/taskmasterd", "tls", "client", "mallory", "--role", "admin", "--dir", other.toString());
        BinProcess.Result unknownCa = ctl("--server", mutual, "--ca", other.resolve("ca.crt").toString(),
                "--cert", pki.resolve("ada.crt").toString(), "--key", pki.resolve("ada.key").toString(), "status");
        assertThat(unknownCa.code()).as(unknownCa.err()).isEqualTo(5);
        assertThat(unknownCa.err().lines().count()).as(unknownCa.err()).isEqualTo(1);

        // A certificate from another CA, even one saying admin, is refused by the daemon.
        BinProcess.Result foreignCert = ctl("--server", mutual, "--ca", ca,
                "--cert", other.resolve("mallory.crt").toString(), "--key", other.resolve("mallory.key").toString(), "status");
        assertThat(foreignCert.code()).as(foreignCert.err()).isEqualTo(7);

        // Nothing listens there.
        BinProcess.Result nobody = ctl("--server", "127.0.0.1:" + freePort(), "--ca", ca, "status");
        assertThat(nobody.code()).isEqualTo(6);
        assertThat(nobody.err()).contains("connection refused");

        // Through all that, the daemon and its programs were not disturbed.
        assertThat(ok("--context", "ada", "status").out()).contains("RUNNING");
    }

    @Test
    void consoleAttachWorksRemotelyWithInputAndResizeAndReadOnlyForAViewer() throws Exception {
        Tmux.require();
        try (Tmux tmux = new Tmux("remote-attach", clientEnv())) {
            String ctl = "'" + BinProcess.REPO.resolve("bin/taskmasterctl") + "'";
            tmux.start(ctl + " --context otto attach console; echo \"[attach exited with $?]\"", 100, 30);
            tmux.awaitScreen("the attach banner", s -> s.contains("[attached to console (terminal); Ctrl-] detaches]"));
            tmux.type("echo hel''lo over tls");
            tmux.press("Enter");
            tmux.awaitScreen("the shell's answer", s -> s.contains("hello over tls"));
            tmux.checkWindowSizeFollows();
            tmux.press("C-]");
            tmux.awaitScreen("the detach", s -> s.contains("[attach exited with 0]"));
        }
        try (Tmux tmux = new Tmux("remote-watch", clientEnv())) {
            String ctl = "'" + BinProcess.REPO.resolve("bin/taskmasterctl") + "'";
            // A viewer may not type: told so, with the way to watch instead. On a terminal (tmux), so
            // that attach gets as far as asking; its standard error and exit code kept in files
            // (what a pane shows after its command ended is tmux's business, not ours).
            Path refusal = tmp.resolve("refusal.txt");
            Path code = tmp.resolve("refusal.code");
            tmux.start(ctl + " --context vera attach console 2>'" + refusal + "'; echo $? > '" + code + "'", 100, 30);
            BinProcess.await("the refused attach to end", LIMIT, () -> readOrEmpty(code).endsWith("\n"));
            assertThat(readOrEmpty(code)).isEqualTo("7\n");
            assertThat(Files.readString(refusal)).isEqualTo("taskmasterctl: AttachOutput with input needs the operator role;"
                    + " cert CN=vera is viewer; attach read-only to watch\n");
            tmux.run("kill-session", "-t", "remote-watch");
            tmux.start(ctl + " --context vera attach --read-only console; echo \"[attach exited with $?]\"", 100, 30);
            String screen = tmux.awaitScreen("the scrollback of the operator's session",
                    s -> s.contains("hello over tls"));
            assertThat(screen).doesNotContain("PERMISSION_DENIED");
            tmux.press("C-]");
            tmux.awaitScreen("the detach", s -> s.contains("[attach exited with 0]"));
        }
        List<String> contexts = new ArrayList<>(List.of("--context", "vera", "--context", "bot"));
        try (Tmux tmux = new Tmux("remote-tui", clientEnv())) {
            tmux.start("'" + BinProcess.REPO.resolve("bin/taskmaster-tui") + "' " + String.join(" ", contexts), 140, 30);
            tmux.awaitScreen("both hosts' rows", s -> s.contains("HOST") && s.lines().anyMatch(l -> l.contains("vera")
                    && l.contains("web")) && s.lines().anyMatch(l -> l.contains("bot") && l.contains("web")));
            tmux.press("q");
            tmux.awaitPaneDead();
        }
    }

    private static String readOrEmpty(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }
}

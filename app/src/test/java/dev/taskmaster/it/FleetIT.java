package dev.taskmaster.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real bin/taskmasterd, each on its own loopback address over mutual TLS (certificates from
 * their own {@code tls init}), a context each, and the real bin/taskmasterctl asking all of them at
 * once ({@code --all-contexts}); then one of them gone.
 */
class FleetIT {

    static final Duration LIMIT = Duration.ofSeconds(60);
    static final List<String> IPS = List.of("127.0.0.21", "127.0.0.22", "127.0.0.23");

    @TempDir
    Path tmp;
    final List<BinProcess> daemons = new ArrayList<>();

    private Map<String, String> env() {
        return BinProcess.env(tmp, "XDG_CONFIG_HOME", tmp.resolve("config").toString());
    }

    @AfterEach
    void tearDown() {
        daemons.forEach(BinProcess::close);
    }

    private BinProcess.Result run(String... command) throws InterruptedException {
        try (BinProcess p = BinProcess.start(tmp, env(), command)) {
            return new BinProcess.Result(p.waitFor(LIMIT), p.stdout(), p.stderr());
        }
    }

    private BinProcess.Result ok(String... command) throws InterruptedException {
        BinProcess.Result r = run(command);
        assertThat(r.code()).as("%s: %s", String.join(" ", command), r.err()).isZero();
        return r;
    }

    /** Daemon {@code n} on {@code ip}:0 with two sleeping programs; returns its TLS address, as it reports it. */
    private String startDaemon(int n, String ip, Path pki) throws Exception {
        String name = "h" + n;
        Path config = Files.writeString(tmp.resolve(name + ".yaml"), "server:\n  instance: " + name + "\n  listen:\n"
                + "    - address: " + ip + ":0\n"
                + "      tls: {cert: " + pki.resolve("server.crt") + ", key: " + pki.resolve("server.key") + ", client_ca: "
                + pki.resolve("ca.crt") + "}\n"
                + "programs:\n  web:\n    cmd: sleep 1000\n    numprocs: 2\n    starttime: 0\n");
        BinProcess daemon = BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "-c", config.toString());
        daemons.add(daemon);
        Path pidfile = tmp.resolve("run/taskmaster/" + name + ".pid");
        BinProcess.await(name + "'s pidfile", LIMIT, () -> Files.exists(pidfile) || !daemon.isAlive());
        assertThat(daemon.isAlive()).as("%s: %s", name, daemon.stderr()).isTrue();
        BinProcess.Result info = ok("bin/taskmasterctl", "-i", name, "info");
        Matcher m = Pattern.compile("tcp:\\s+(" + Pattern.quote(ip) + ":\\d+)").matcher(info.out());
        assertThat(m.find()).as(info.out()).isTrue();
        return m.group(1);
    }

    @Test
    void statusOfEveryContextAtOnceAndOneHostGone() throws Exception {
        Path pki = tmp.resolve("pki");
        ok("bin/taskmasterd", "tls", "init", pki.toString(), "--host", String.join(",", IPS));
        ok("bin/taskmasterd", "tls", "client", "ops", "--role", "viewer", "--dir", pki.toString());
        List<String> addresses = new ArrayList<>();
        for (int i = 0; i < IPS.size(); i++) {
            addresses.add(startDaemon(i + 1, IPS.get(i), pki));
            ok("bin/taskmasterctl", "context", "add", "h" + (i + 1), "--server", addresses.get(i), "--ca", pki.resolve("ca.crt").toString(),
                    "--cert", pki.resolve("ops.crt").toString(), "--key", pki.resolve("ops.key").toString());
        }
        // Every program RUNNING (starttime 0: at once, but the daemons start them after answering).
        BinProcess.await("every program RUNNING", LIMIT, () -> {
            try {
                return run("bin/taskmasterctl", "--all-contexts", "status").code() == 0;
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });

        BinProcess.Result all = ok("bin/taskmasterctl", "--all-contexts", "status");
        List<String> lines = all.out().lines().toList();
        assertThat(lines.getFirst()).matches("HOST +NAME +STATE +PID +UPTIME +RESTARTS +DESCRIPTION");
        assertThat(lines.subList(1, lines.size())).extracting(l -> l.split(" +")[0] + " " + l.split(" +")[1] + " " + l.split(" +")[2])
                .containsExactly("h1 web:0 RUNNING", "h1 web:1 RUNNING", "h2 web:0 RUNNING", "h2 web:1 RUNNING",
                        "h3 web:0 RUNNING", "h3 web:1 RUNNING");
        assertThat(all.err()).isEmpty();

        // Each daemon says who asked: the client certificate, over TCP.
        BinProcess.Result info = ok("bin/taskmasterctl", "--context", "h3", "--context", "h1", "info");
        assertThat(info.out().lines()).contains("h3  instance:  h3", "h1  instance:  h1", "h1  you:       viewer (cert CN=ops)");

        // h2 goes away: its line on stderr, the others' rows all the same, exit 6.
        BinProcess h2 = daemons.get(1);
        List<ProcessHandle> children = ProcessHandle.of(h2.pid()).map(h -> h.descendants().toList()).orElse(List.of());
        ok("bin/taskmasterctl", "-i", "h2", "shutdown");
        assertThat(h2.waitFor(LIMIT)).isZero();
        for (ProcessHandle child : children) {
            BinProcess.await("h2's pid " + child.pid() + " to be gone", LIMIT, () -> !child.isAlive());
        }
        BinProcess.Result partial = run("bin/taskmasterctl", "--all-contexts", "status");
        assertThat(partial.code()).isEqualTo(6);
        assertThat(partial.out().lines().skip(1).map(l -> l.split(" +")[0]).toList()).containsExactly("h1", "h1", "h3", "h3");
        assertThat(partial.err()).isEqualTo("taskmasterctl: h2: cannot reach taskmasterd at " + addresses.get(1)
                + " (connection refused: nothing listens on that port)\n");

        // A verb that changes things refuses several daemons before sending anything.
        BinProcess.Result stop = run("bin/taskmasterctl", "--all-contexts", "stop", "all");
        assertThat(stop.code()).isEqualTo(2);
        assertThat(stop.err()).startsWith("taskmasterctl: stop talks to one daemon");
        assertThat(ok("bin/taskmasterctl", "--context", "h1", "status").out()).contains("RUNNING");
    }
}

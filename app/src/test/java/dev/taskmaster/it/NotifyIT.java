package dev.taskmaster.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.taskmaster.testkit.Poll;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Notifications end to end: bin/taskmasterd with a program in a fast crash loop and a webhook
 * receiver in the test. The loop becomes a few signed messages that count it and quote the
 * program's output; a rule whose receiver is gone becomes a notification_failed event in
 * {@code taskmasterctl events}; {@code taskmasterctl notify test} answers per rule.
 */
class NotifyIT {

    static final Duration LIMIT = Duration.ofSeconds(60);
    static final Pattern COUNT = Pattern.compile("\"kind\":\"exited_unexpectedly\"[^}]*\"count\":([0-9]+)");

    @TempDir
    Path tmp;

    @Test
    void aCrashLoopIsAFewSignedMessagesAndALostOneIsAnEvent() throws Exception {
        List<String> bodies = Collections.synchronizedList(new ArrayList<>());
        List<String> badSignatures = Collections.synchronizedList(new ArrayList<>());
        byte[] key = "it-secret".getBytes(StandardCharsets.UTF_8);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String signature = exchange.getRequestHeaders().getFirst("X-Taskmaster-Signature");
            if (!("sha256=" + hmac(key, body)).equals(signature)) {
                badSignatures.add(signature);
            }
            bodies.add(new String(body, StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
        Map<String, String> env = BinProcess.env(tmp, "NO_COLOR", "1");
        try {
            Path secret = Files.writeString(tmp.resolve("hook.secret"), "it-secret\n");
            Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
            Path config = Files.writeString(tmp.resolve("t.yaml"), """
                    programs:
                      crasher:
                        cmd: "sh -c 'echo dying loudly; exit 3'"
                        starttime: 0
                        autorestart: always
                        max_restarts: 40
                        backoff: {initial: 10ms, max: 20ms, reset_after: 0}
                    notify:
                      - name: hook
                        on: [exited_unexpectedly, fatal]
                        programs: ["crash*"]
                        batch: 2s
                        webhook: {url: "http://127.0.0.1:%d/hook", secret_file: hook.secret}
                      - name: gone
                        on: [fatal]
                        retries: 0
                        webhook: "http://127.0.0.1:1/nobody"
                    """.formatted(server.getAddress().getPort()));
            try (BinProcess daemon = BinProcess.start(tmp, env, "bin/taskmasterd", "--allow-root", "-c", config.toString())) {
                Poll.until("the loop ended FATAL and was told", LIMIT, () -> bodies.stream().anyMatch(b -> b.contains("\"kind\":\"fatal\"")));
                int exits = bodies.stream().mapToInt(b -> {
                    Matcher m = COUNT.matcher(b);
                    int n = 0;
                    while (m.find()) {
                        n += Integer.parseInt(m.group(1));
                    }
                    return n;
                }).sum();
                assertThat(exits).as("every exit counted").isGreaterThanOrEqualTo(40);
                assertThat(bodies.size()).as("a few messages for %d exits", exits).isLessThanOrEqualTo(6);
                assertThat(badSignatures).isEmpty();
                String first = bodies.getFirst();
                assertThat(first).contains("\"rule\":\"hook\"", "\"process\":\"crasher\"", "\"exit\":\"exited with code 3 (unexpected)\"",
                        "\"output\":[", "dying loudly");
                assertThat(String.join("\n", bodies)).containsPattern("crasher exited unexpectedly [0-9]+ times in the last 2 s; last:"
                        + " exited with code 3 \\(unexpected\\)");

                // The rule whose receiver is gone: one event, in the CLI's event list and the daemon log.
                Poll.until("the lost message is an event", LIMIT, () -> ctl(env, "events", "--since", "1").out()
                        .contains("notification rule gone: 1 message lost (webhook http://127.0.0.1:1/nobody): POST"
                                + " http://127.0.0.1:1/nobody: connection refused"));

                BinProcess.Result ok = ctl(env, "notify", "test", "hook");
                assertThat(ok.code()).as(ok.toString()).isZero();
                assertThat(ok.out()).isEqualTo("hook: delivered (webhook http://127.0.0.1:" + server.getAddress().getPort() + "/hook)\n");
                Poll.until("the test message arrived", LIMIT, () -> bodies.stream().anyMatch(b -> b.contains("\"test\":true")));
                BinProcess.Result all = ctl(env, "notify", "test");
                assertThat(all.code()).as(all.toString()).isEqualTo(1);
                assertThat(all.out()).contains("hook: delivered", "gone: NOT delivered (webhook http://127.0.0.1:1/nobody): POST"
                        + " http://127.0.0.1:1/nobody: connection refused");
                BinProcess.Result none = ctl(env, "notify", "test", "hok");
                assertThat(none.code()).as(none.toString()).isEqualTo(4);
                assertThat(none.err()).contains("no notify rule named \"hok\"; did you mean \"hook\"?");

                // A reload applies changed rules: "gone" is replaced by "again", to the live receiver.
                Files.writeString(config, Files.readString(config).replace("name: gone", "name: again")
                        .replace("http://127.0.0.1:1/nobody", "http://127.0.0.1:" + server.getAddress().getPort() + "/hook"));
                BinProcess.Result reload = ctl(env, "reload");
                assertThat(reload.code()).as(reload.toString()).isZero();
                BinProcess.Result again = ctl(env, "notify", "test", "again");
                assertThat(again.code()).as(again.toString()).isZero();
                assertThat(ctl(env, "notify", "test", "gone").code()).isEqualTo(4);
                BinProcess.shutdown(daemon, tmp, env, LIMIT);
            }
        } finally {
            server.stop(0);
        }
    }

    /**
     * A message still retrying when the daemon stops is given up after the grace and said in the
     * daemon's log before it exits, never dropped unsaid. Repeated: the report crosses threads
     * (delivery thread, engine thread) while the daemon is exiting.
     */
    @Test
    void aMessageStillRetryingAtShutdownIsSaidInTheLogBeforeTheDaemonExits() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        java.util.concurrent.atomic.AtomicInteger tries = new java.util.concurrent.atomic.AtomicInteger();
        server.createContext("/busy", exchange -> {
            exchange.getRequestBody().readAllBytes();
            tries.incrementAndGet();
            exchange.sendResponseHeaders(503, -1); // transient: retried with backoff
            exchange.close();
        });
        server.start();
        Map<String, String> env = BinProcess.env(tmp, "NO_COLOR", "1");
        try {
            Path config = Files.writeString(tmp.resolve("busy.yaml"), """
                    programs:
                      once:
                        cmd: "sh -c 'exit 3'"
                        startretries: 0
                    notify:
                      - name: busy
                        on: [fatal]
                        webhook: "http://127.0.0.1:%d/busy"
                    """.formatted(server.getAddress().getPort()));
            for (int round = 0; round < 3; round++) {
                tries.set(0);
                try (BinProcess daemon = BinProcess.start(tmp, env, "bin/taskmasterd", "--allow-root", "-c", config.toString())) {
                    Poll.until("the receiver answered 503", LIMIT, () -> tries.get() >= 1);
                    BinProcess.shutdown(daemon, tmp, env, LIMIT);
                    assertThat(daemon.stderr()).as("round %d", round).contains("notify rule busy: 1 message lost (webhook http://127.0.0.1:"
                            + server.getAddress().getPort() + "/busy): POST http://127.0.0.1:" + server.getAddress().getPort()
                            + "/busy answered HTTP 503 (the daemon stopped before it could be delivered)");
                }
            }
        } finally {
            server.stop(0);
        }
    }

    private BinProcess.Result ctl(Map<String, String> env, String... args) {
        try {
            return BinProcess.ctl(tmp, env, LIMIT, args);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String hmac(byte[] key, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.taskmaster.server.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.taskmaster.config.Config;
import dev.taskmaster.config.ConfigLoader;
import dev.taskmaster.config.InstanceSpec;
import dev.taskmaster.config.NotifyRule;
import dev.taskmaster.server.engine.EngineEvent;
import dev.taskmaster.server.engine.ExitOutcome;
import dev.taskmaster.server.engine.ExitRecord;
import dev.taskmaster.server.engine.ProcessSnapshot;
import dev.taskmaster.server.engine.ProcessState;
import dev.taskmaster.testkit.Poll;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The notifier against a real HTTP server on loopback: signatures, bodies, batching of a crash
 * loop, a receiver that is down for a while, a full queue, permanent failures reported once,
 * and the exec channel with a real script.
 */
class NotifierTest {

    private static final RetryPolicy FAST = new RetryPolicy(Duration.ofMillis(20), Duration.ofMillis(200));

    @TempDir
    Path tmp;
    HttpServer server;
    final List<Received> received = Collections.synchronizedList(new ArrayList<>());
    /** The status the receiver answers; 0 = it is "down" (closes without answering is not possible here, so 503). */
    final AtomicInteger status = new AtomicInteger(204);
    final List<String> lost = Collections.synchronizedList(new ArrayList<>());
    final AtomicLong lostMessages = new AtomicLong();
    Notifier notifier;
    Config config;
    long sequence;

    record Received(String body, String signature, String timestamp, String rule) {
    }

    @BeforeEach
    void receiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            int answer = status.get();
            if (answer / 100 == 2) {
                received.add(new Received(new String(body, StandardCharsets.UTF_8),
                        exchange.getRequestHeaders().getFirst("X-Taskmaster-Signature"),
                        exchange.getRequestHeaders().getFirst("X-Taskmaster-Timestamp"),
                        exchange.getRequestHeaders().getFirst("X-Taskmaster-Rule")));
            }
            byte[] reply = ("answer " + answer).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(answer, answer == 204 ? -1 : reply.length);
            if (answer != 204) {
                exchange.getResponseBody().write(reply);
            }
            exchange.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(2));
        server.start();
    }

    @AfterEach
    void stop() {
        if (notifier != null) {
            notifier.close();
        }
        server.stop(0);
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    private Config load(String notify) throws Exception {
        Path secret = Files.writeString(tmp.resolve("hook.secret"), "k3y\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Path file = Files.writeString(tmp.resolve("taskmaster.yaml"), """
                programs:
                  worker:
                    cmd: /bin/false
                    numprocs: 2
                  web:
                    cmd: /bin/true
                notify:
                """ + notify);
        config = ConfigLoader.load(file, Map.of());
        return config;
    }

    private void start(String notify) throws Exception {
        load(notify);
        notifier = new Notifier(config.notifyRules(), "host-a", process -> List.of(process + " says: boom", "line 2"),
                (rule, target, reason, n) -> {
                    lost.add(rule + "|" + target + "|" + reason + "|" + n);
                    lostMessages.addAndGet(n);
                }, FAST, Notifier.Channels.REAL);
    }

    private InstanceSpec instance(String name) {
        return config.instances().stream().filter(i -> i.name().equals(name)).findFirst().orElseThrow();
    }

    private EngineEvent.StateChanged crash(String name, int restarts) {
        InstanceSpec i = instance(name);
        ExitRecord exit = new ExitRecord(new ExitOutcome.Exited(3), false, 4242, Instant.now(), Duration.ofMillis(5));
        ProcessSnapshot after = new ProcessSnapshot(i, ProcessState.EXITED, Instant.now(), 0, Optional.of(Instant.now()),
                restarts, 0, Optional.of(exit), Optional.empty(), Optional.empty());
        return new EngineEvent.StateChanged(++sequence, Instant.now(), name, ProcessState.RUNNING, ProcessState.EXITED, 4242,
                "exited with code 3 (unexpected)", Optional.of(exit), after, "");
    }

    private EngineEvent.StateChanged fatal(String name) {
        InstanceSpec i = instance(name);
        ProcessSnapshot after = new ProcessSnapshot(i, ProcessState.FATAL, Instant.now(), 0, Optional.empty(), 3, 0,
                Optional.empty(), Optional.empty(), Optional.empty());
        return new EngineEvent.StateChanged(++sequence, Instant.now(), name, ProcessState.BACKOFF, ProcessState.FATAL, 0,
                "gave up after 3 retries", Optional.empty(), after, "");
    }

    @Test
    void oneCrashIsOneSignedMessageNamingEverything() throws Exception {
        start("  - on: [exited_unexpectedly]\n    webhook: {url: \"" + url() + "\", secret_file: hook.secret}\n");
        notifier.accept(crash("worker:0", 7));
        Poll.until("the webhook got the message", Duration.ofSeconds(10), () -> received.size() == 1);
        Received r = received.getFirst();
        byte[] body = r.body().getBytes(StandardCharsets.UTF_8);
        assertThat(r.signature()).isEqualTo("sha256=" + WebhookChannel.sign("k3y".getBytes(StandardCharsets.UTF_8), body));
        assertThat(Long.parseLong(r.timestamp())).isCloseTo(Instant.now().getEpochSecond(), org.assertj.core.data.Offset.offset(60L));
        assertThat(r.rule()).isEqualTo("rule-1");
        assertThat(r.body()).contains("\"host\":\"host-a\"", "\"rule\":\"rule-1\"", "\"kind\":\"exited_unexpectedly\"",
                "\"process\":\"worker:0\"", "\"program\":\"worker\"", "\"from\":\"RUNNING\"", "\"to\":\"EXITED\"",
                "\"exit\":\"exited with code 3 (unexpected)\"", "\"restarts\":7", "\"count\":1",
                "\"output\":[\"worker:0 says: boom\",\"line 2\"]", "\"test\":false");
        assertThat(r.body()).contains("[host-a] worker:0 exited unexpectedly: exited with code 3 (unexpected), 7 restarts");
        Poll.until("counted as delivered once answered", Duration.ofSeconds(10),
                () -> notifier.counters().rows().equals(List.of(new NotifyCounters.Row("rule-1", "webhook", 1, 0, 0))));
        assertThat(lost).isEmpty();
    }

    @Test
    void aCrashLoopOfAHundredIsTwoMessagesThatCountIt() throws Exception {
        start("  - on: [exited_unexpectedly, fatal]\n    programs: [\"worker:*\"]\n    batch: 1s\n    webhook: \"" + url() + "\"\n");
        for (int i = 0; i < 100; i++) {
            notifier.accept(crash("worker:0", i));
        }
        notifier.accept(crash("web", 0)); // not a worker: not this rule's
        Poll.until("the batch went out", Duration.ofSeconds(10), () -> received.size() == 2);
        assertThat(received.get(0).body()).contains("\"count\":1", "\"restarts\":0");
        assertThat(received.get(1).body()).contains("\"count\":99", "\"restarts\":99", "\"window_seconds\":1",
                "worker:0 exited unexpectedly 99 times in the last 1 s; last: exited with code 3 (unexpected)");
        assertThat(String.join("", received.stream().map(Received::body).toList())).doesNotContain("\"process\":\"web\"");
        // Nothing more comes: the batch was the last of them.
        notifier.accept(fatal("worker:1"));
        Poll.until("the next event after the window", Duration.ofSeconds(10), () -> received.size() == 3);
        assertThat(received.get(2).body()).contains("\"kind\":\"fatal\"", "\"process\":\"worker:1\"");
    }

    @RepeatedTest(5) // racy by nature: the delivery thread against the submitter
    void aReceiverDownForAWhileLosesNothingTheQueueHolds() throws Exception {
        start("  - on: [exited_unexpectedly]\n    batch: 0\n    retries: 1000\n    webhook: \"" + url() + "\"\n");
        status.set(503);
        for (int i = 0; i < 20; i++) {
            notifier.accept(crash("worker:0", i));
        }
        Poll.until("the messages wait in the queue", Duration.ofSeconds(10), () -> notifier.queued("rule-1") == 19);
        assertThat(received).isEmpty();
        status.set(200);
        Poll.until("every message arrived", Duration.ofSeconds(20), () -> received.size() == 20);
        for (int i = 0; i < 20; i++) {
            assertThat(received.get(i).body()).as("message %d, in order", i).contains("\"restarts\":" + i + ",");
        }
        assertThat(lost).isEmpty();
    }

    @RepeatedTest(5) // racy by nature: the delivery thread against the submitter
    void aFullQueueDropsTheOldestAndSaysHowMany() throws Exception {
        start("  - on: [exited_unexpectedly]\n    batch: 0\n    queue: 5\n    retries: 1000\n    webhook: \"" + url() + "\"\n");
        status.set(503);
        notifier.accept(crash("worker:0", 0)); // taken by the delivery thread, retried
        Poll.until("the first is being retried", Duration.ofSeconds(10), () -> notifier.queued("rule-1") == 0);
        for (int i = 1; i <= 12; i++) {
            notifier.accept(crash("worker:0", i));
        }
        Poll.until("the drops are reported", Duration.ofSeconds(10), () -> lostMessages.get() == 7);
        assertThat(lost).allMatch(l -> l.startsWith("rule-1|webhook " + url() + "|the queue was full (5 messages): dropped the oldest"));
        status.set(200);
        Poll.until("the rest was delivered", Duration.ofSeconds(20), () -> notifier.counters().rows().getFirst().delivered() == 6);
        assertThat(received.get(0).body()).contains("\"restarts\":0,");
        for (int i = 1; i < 6; i++) {
            assertThat(received.get(i).body()).contains("\"restarts\":" + (i + 7) + ",");
        }
        assertThat(notifier.counters().rows()).containsExactly(new NotifyCounters.Row("rule-1", "webhook", 6, 0, 7));
    }

    @RepeatedTest(5) // racy by nature: the delivery thread against the submitter
    void aPermanentFailureIsNotRetriedAndTheSameOneIsReportedOnce() throws Exception {
        start("  - on: [exited_unexpectedly]\n    batch: 0\n    webhook: \"" + url() + "\"\n");
        AtomicInteger requests = new AtomicInteger();
        server.removeContext("/hook");
        server.createContext("/hook", exchange -> {
            requests.incrementAndGet();
            exchange.getRequestBody().readAllBytes();
            byte[] reply = "bad token\nmore".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(401, reply.length);
            exchange.getResponseBody().write(reply);
            exchange.close();
        });
        for (int i = 0; i < 5; i++) {
            notifier.accept(crash("worker:0", i));
        }
        Poll.until("all five were tried", Duration.ofSeconds(10), () -> notifier.counters().rows().stream()
                .mapToLong(NotifyCounters.Row::failed).sum() == 5);
        assertThat(received).isEmpty();
        assertThat(requests.get()).as("one request per message: no retry").isEqualTo(5);
        assertThat(lost).containsExactly("rule-1|webhook " + url() + "|POST " + url() + " answered HTTP 401: bad token|1");
    }

    @Test
    void transientFailuresAreRetriedThenGivenUp() throws Exception {
        start("  - on: [fatal]\n    retries: 2\n    webhook: \"http://127.0.0.1:1/hook\"\n");
        notifier.accept(fatal("worker:1"));
        Poll.until("given up", Duration.ofSeconds(10), () -> !lost.isEmpty());
        assertThat(lost.getFirst()).isEqualTo("rule-1|webhook http://127.0.0.1:1/hook|POST http://127.0.0.1:1/hook:"
                + " connection refused (gave up after 3 attempts)|1");
    }

    @Test
    void execGetsTheJsonOnStdinAndTheVariables() throws Exception {
        Path out = tmp.resolve("got");
        Path script = Files.writeString(tmp.resolve("hook.sh"), "#!/bin/sh\ncat > " + out + ".json\n"
                + "env | grep ^TASKMASTER_ | sort > " + out + ".env\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        start("  - on: [fatal]\n    exec: " + script + "\n");
        notifier.accept(fatal("worker:1"));
        Poll.until("the script ran", Duration.ofSeconds(10), () -> notifier.counters().rows().stream()
                .anyMatch(r -> r.delivered() == 1));
        assertThat(Files.readString(Path.of(out + ".json"))).startsWith("{\"host\":\"host-a\"")
                .contains("\"kind\":\"fatal\"", "\"process\":\"worker:1\"", "\"reason\":\"gave up after 3 retries\"");
        assertThat(Files.readAllLines(Path.of(out + ".env"))).contains("TASKMASTER_EVENT=fatal", "TASKMASTER_PROCESS=worker:1",
                "TASKMASTER_PROGRAM=worker", "TASKMASTER_TO_STATE=FATAL", "TASKMASTER_RESTARTS=3", "TASKMASTER_COUNT=1",
                "TASKMASTER_HOST=host-a", "TASKMASTER_RULE=rule-1", "TASKMASTER_EVENTS=1");
    }

    @Test
    void execFailuresSayTheLastLineOfStderrAndATimeoutKills() throws Exception {
        Path failing = Files.writeString(tmp.resolve("fail.sh"), "#!/bin/sh\necho first >&2\necho 'no route to pager' >&2\nexit 3\n");
        Path pidFile = tmp.resolve("slow.pid");
        Path slow = Files.writeString(tmp.resolve("slow.sh"), "#!/bin/sh\necho $$ > " + pidFile + "\nexec sleep 60\n");
        Files.setPosixFilePermissions(failing, PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(slow, PosixFilePermissions.fromString("rwx------"));
        start("  - {name: a, on: [fatal], retries: 0, exec: " + failing + "}\n"
                + "  - {name: b, on: [fatal], retries: 0, timeout: 500ms, exec: " + slow + "}\n"
                + "  - {name: c, on: [fatal], exec: " + tmp.resolve("missing") + "}\n");
        notifier.accept(fatal("worker:1"));
        Poll.until("three failures", Duration.ofSeconds(15), () -> lost.size() == 3);
        assertThat(lost).contains("a|exec " + failing + "|" + failing + " exited with code 3: no route to pager|1",
                "b|exec " + slow + "|" + slow + " did not finish within 500 ms; killed|1");
        assertThat(lost).anyMatch(l -> l.startsWith("c|exec " + tmp.resolve("missing") + "|cannot run " + tmp.resolve("missing")
                + ": no such file or directory"));
        // On a loaded machine the timeout may kill the script before it has written its pid: then
        // there is no pid to look for, and the message above already says it was killed.
        String written = Files.exists(pidFile) ? Files.readString(pidFile).strip() : "";
        if (!written.isEmpty()) {
            long pid = Long.parseLong(written);
            Poll.until("the slow command is gone", Duration.ofSeconds(5), () -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true));
        }
    }

    @Test
    void testMessagesGoThroughOneRuleOrAll() throws Exception {
        start("  - {name: hook, on: [fatal], webhook: \"" + url() + "\"}\n"
                + "  - {name: dead, on: [fatal], webhook: \"http://127.0.0.1:1/x\"}\n");
        List<Notifier.TestResult> one = notifier.test(Optional.of("hook")).get();
        assertThat(one).containsExactly(new Notifier.TestResult("hook", "webhook " + url(), Optional.empty()));
        assertThat(received.getFirst().body()).contains("\"test\":true", "test message of notify rule hook");
        List<Notifier.TestResult> all = notifier.test(Optional.empty()).get();
        assertThat(all).hasSize(2);
        assertThat(all.get(1).failure()).contains("POST http://127.0.0.1:1/x: connection refused");
        assertThatThrownBy(() -> notifier.test(Optional.of("hok"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no notify rule named \"hok\"; did you mean \"hook\"?");
        assertThat(lost).as("a test is answered, not journaled").isEmpty();
    }

    @Test
    void aReloadKeepsUnchangedRulesAndAppliesChangedOnes() throws Exception {
        start("  - {name: keep, on: [fatal], webhook: \"" + url() + "\"}\n  - {name: old, on: [fatal], webhook: \"" + url() + "\"}\n");
        List<NotifyRule> before = config.notifyRules();
        load("  - {name: keep, on: [fatal], webhook: \"" + url() + "\"}\n  - {name: new, on: [exited_unexpectedly], batch: 0,"
                + " webhook: \"" + url() + "\"}\n");
        assertThat(config.notifyRules().getFirst()).isEqualTo(before.getFirst());
        notifier.update(config.notifyRules());
        assertThat(notifier.ruleNames()).containsExactly("keep", "new");
        notifier.accept(crash("worker:0", 1));
        Poll.until("the new rule sent it", Duration.ofSeconds(10), () -> received.size() == 1);
        assertThat(received.getFirst().rule()).isEqualTo("new");
    }

    @Test
    void aMailServerThatRejectsTheLoginIsOneEventNotOnePerMessage() throws Exception {
        load("  - {name: mail, on: [exited_unexpectedly], batch: 0, email: {smtp: \"127.0.0.1:2525\", security: none,"
                + " from: tm@a.example, to: [ops@a.example]}}\n");
        AtomicInteger tried = new AtomicInteger();
        notifier = new Notifier(config.notifyRules(), "host-a", OutputTails.NONE, (rule, target, reason, n) -> lost.add(
                rule + "|" + target + "|" + reason + "|" + n), FAST, (rule, host) -> {
                    Channel mail = Notifier.Channels.REAL.of(rule, host);
                    assertThat(mail).isInstanceOf(dev.taskmaster.server.notify.mail.MailChannel.class);
                    return new Channel() {
                        @Override
                        public void deliver(Message message) throws DeliveryException {
                            tried.incrementAndGet();
                            throw new DeliveryException("SMTP login to 127.0.0.1:2525 rejected: 535 authentication failed", true);
                        }

                        @Override
                        public String describe() {
                            return mail.describe();
                        }
                    };
                });
        for (int i = 0; i < 5; i++) {
            notifier.accept(crash("worker:0", i));
        }
        Poll.until("every message tried", Duration.ofSeconds(10), () -> notifier.counters().rows().stream()
                .anyMatch(r -> r.failed() == 5));
        assertThat(tried.get()).isEqualTo(5);
        assertThat(lost).containsExactly("mail|email to ops@a.example via 127.0.0.1:2525 (none)|SMTP login to 127.0.0.1:2525"
                + " rejected: 535 authentication failed|1");
        assertThat(notifier.counters().rows()).containsExactly(new NotifyCounters.Row("mail", "email", 0, 5, 0));
    }

    @Test
    void theEngineThreadNeverWaitsForAStuckReceiver() throws Exception {
        load("  - {name: stuck, on: [exited_unexpectedly], batch: 0, queue: 10, exec: /bin/true}\n");
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        notifier = new Notifier(config.notifyRules(), "host-a", OutputTails.NONE, (rule, target, reason, n) ->
                lostMessages.addAndGet(n), FAST, (rule, host) -> new Channel() {
                    @Override
                    public void deliver(Message message) {
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }

                    @Override
                    public String describe() {
                        return "stuck";
                    }
                });
        long t0 = System.nanoTime();
        for (int i = 0; i < 10_000; i++) {
            notifier.accept(crash("worker:0", i));
        }
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("10,000 events handed over").isLessThan(Duration.ofSeconds(2));
        release.countDown();
        Poll.until("the drops are counted", Duration.ofSeconds(10), () -> lostMessages.get() == 10_000 - 1 - 10);
    }
}

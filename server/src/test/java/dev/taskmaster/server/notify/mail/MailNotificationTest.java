package dev.taskmaster.server.notify.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.taskmaster.config.Config;
import dev.taskmaster.config.ConfigLoader;
import dev.taskmaster.config.InstanceSpec;
import dev.taskmaster.server.engine.EngineEvent;
import dev.taskmaster.server.engine.ExitOutcome;
import dev.taskmaster.server.engine.ExitRecord;
import dev.taskmaster.server.engine.ProcessSnapshot;
import dev.taskmaster.server.engine.ProcessState;
import dev.taskmaster.server.notify.Notifier;
import dev.taskmaster.server.notify.NotifyCounters;
import dev.taskmaster.server.notify.RetryPolicy;
import dev.taskmaster.testkit.Poll;
import jakarta.mail.internet.MimeMessage;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Email notifications whole: rules read from YAML, the notifier's batching, the real SMTP
 * channel, and a real GreenMail server behind STARTTLS with a CA made at test time.
 */
class MailNotificationTest {

    @TempDir
    Path dir;
    private GreenMail greenMail;
    private MailPki pki;
    private TlsFront front;
    private Notifier notifier;
    private Config config;
    private long sequence;
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void start() throws Exception {
        greenMail = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        greenMail.withConfiguration(GreenMailConfiguration.aConfig().withUser("alerts@example.com", "alerts", "right"));
        greenMail.start();
        pki = new MailPki(dir, "relay-ca");
        front = new TlsFront(TlsFront.Mode.STARTTLS, pki.server(List.of("127.0.0.1")), greenMail.getSmtp().getPort());
    }

    @AfterEach
    void stop() throws Exception {
        if (notifier != null) {
            notifier.close();
        }
        front.close();
        greenMail.stop();
    }

    private void notifier(String password, String batch) throws Exception {
        Path secret = Files.writeString(dir.resolve("smtp.password"), password + "\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Path file = Files.writeString(dir.resolve("taskmaster.yaml"), """
                programs:
                  worker: {cmd: /bin/false}
                notify:
                  - name: ops-mail
                    on: [exited_unexpectedly]
                    batch: %s
                    email:
                      smtp: "127.0.0.1:%d"
                      user: alerts
                      password_file: smtp.password
                      ca_file: relay-ca.crt
                      from: taskmaster@web01.test
                      to: [ops@example.com]
                """.formatted(batch, front.port()));
        config = ConfigLoader.load(file, Map.of());
        notifier = new Notifier(config.notifyRules(), "web01", process -> List.of(process + ": disk quota exceeded"),
                (rule, target, reason, lost) -> failures.add(rule + " | " + target + " | " + reason),
                new RetryPolicy(Duration.ofMillis(20), Duration.ofMillis(200)), Notifier.Channels.REAL);
    }

    @Test
    void aCrashLoopIsMailedOverStartTlsAsTheFirstCrashThenOneSummary() throws Exception {
        notifier("right", "60s");
        for (int i = 1; i <= 30; i++) {
            notifier.accept(crash(i));
        }
        Poll.until("the first crash mailed", Duration.ofSeconds(20), () -> greenMail.getReceivedMessages().length >= 1);
        MimeMessage first = greenMail.getReceivedMessages()[0];
        assertThat(first.getSubject()).contains("web01", "worker");
        String body = ((String) first.getContent()).replace("\r\n", "\n");
        assertThat(body).contains("web01", "worker", "exited with code 3", "disk quota exceeded");
        assertThat(front.clientSaid()).contains("STARTTLS\r\n");
        // The other 29 crashes of the window are held for one summary, not mailed one by one.
        assertThat(greenMail.getReceivedMessages()).hasSize(1);
        // GreenMail holds the message once DATA ends; the notifier counts it only after the
        // server's answer and QUIT, a moment later, so wait for the count, then check it.
        Poll.until("the first mail counted as delivered", Duration.ofSeconds(20), () -> notifier.counters().rows().stream()
                .anyMatch(r -> r.delivered() == 1));
        assertThat(failures).isEmpty();
        assertThat(notifier.counters().rows()).extracting(NotifyCounters.Row::delivered, NotifyCounters.Row::failed)
                .containsExactly(tuple(1L, 0L));
    }

    @Test
    void aRejectedLoginIsOneFailureNamingTheServerNotOnePerMessage() throws Exception {
        notifier("wrong", "0"); // no batching: five messages, five refused logins
        for (int i = 1; i <= 5; i++) {
            notifier.accept(crash(i));
        }
        Poll.until("every message tried", Duration.ofSeconds(30), () -> notifier.counters().rows().stream()
                .anyMatch(r -> r.failed() == 5));
        Poll.until("the failure reported", Duration.ofSeconds(20), () -> !failures.isEmpty());
        assertThat(greenMail.getReceivedMessages()).isEmpty();
        assertThat(failures).hasSize(1);
        assertThat(failures.getFirst()).startsWith("ops-mail | email to ops@example.com via 127.0.0.1:" + front.port())
                .contains("SMTP login to 127.0.0.1:" + front.port() + " as alerts rejected", "535");
    }

    private EngineEvent.StateChanged crash(int restarts) {
        InstanceSpec i = config.instances().getFirst();
        ExitRecord exit = new ExitRecord(new ExitOutcome.Exited(3), false, 4242, Instant.now(), Duration.ofMillis(5));
        ProcessSnapshot after = new ProcessSnapshot(i, ProcessState.EXITED, Instant.now(), 0, Optional.of(Instant.now()),
                restarts, 0, Optional.of(exit), Optional.empty(), Optional.empty());
        return new EngineEvent.StateChanged(++sequence, Instant.now(), i.name(), ProcessState.RUNNING, ProcessState.EXITED,
                4242, "exited with code 3 (unexpected)", Optional.of(exit), after, "");
    }
}

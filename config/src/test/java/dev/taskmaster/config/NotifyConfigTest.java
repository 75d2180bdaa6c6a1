package dev.taskmaster.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The top-level {@code notify:} list: values, defaults, and every mistake located where it is written. */
class NotifyConfigTest {

    @TempDir
    Path tmp;
    ConfigFiles files;
    Path secret;

    @BeforeEach
    void setUp() throws IOException {
        files = new ConfigFiles(tmp);
        secret = secret("hook.secret", "s3cret\n", "rw-------");
    }

    private Path secret(String name, String content, String mode) throws IOException {
        Path p = Files.writeString(tmp.resolve(name), content);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
        return p;
    }

    @Test
    void noNotifyMeansNoRules() {
        assertThat(files.load("programs:\n  a:\n    cmd: sleep 1\n").notifyRules()).isEmpty();
        assertThat(files.load("notify:\n").notifyRules()).isEmpty();
    }

    @Test
    void theIssuesExampleLoadsWithDefaults() {
        Config c = files.load("""
                notify:
                  - on: [exited_unexpectedly, fatal, unhealthy, backoff, daemon_started, reload_failed]
                    programs: ["web", "worker:*"]
                    webhook:
                      url: https://hooks.example.com/taskmaster
                      secret_file: hook.secret
                  - on: [fatal]
                    email:
                      smtp: smtp.example.com:587
                      from: taskmaster@host.example
                      to: [ops@example.com]
                  - name: pager
                    on: fatal
                    exec: "/usr/local/bin/page-oncall --urgent"
                    batch: 5m
                    queue: 10
                    retries: 2
                    timeout: 30s
                """);
        assertThat(c.notifyRules()).hasSize(3);
        NotifyRule hook = c.notifyRules().get(0);
        assertThat(hook.name()).isEqualTo("rule-1");
        assertThat(hook.on()).containsExactlyInAnyOrder(NotifyEvent.EXITED_UNEXPECTEDLY, NotifyEvent.FATAL,
                NotifyEvent.UNHEALTHY, NotifyEvent.BACKOFF, NotifyEvent.DAEMON_STARTED, NotifyEvent.RELOAD_FAILED);
        assertThat(hook.programs()).containsExactly("web", "worker:*");
        assertThat(hook.target()).isEqualTo(new NotifyTarget.Webhook(URI.create("https://hooks.example.com/taskmaster"),
                Optional.of(secret), Map.of()));
        assertThat(hook.batch()).isEqualTo(NotifyRule.DEFAULT_BATCH);
        assertThat(hook.queue()).isEqualTo(NotifyRule.DEFAULT_QUEUE);
        assertThat(hook.retries()).isEqualTo(NotifyRule.DEFAULT_RETRIES);
        assertThat(hook.timeout()).isEqualTo(NotifyRule.DEFAULT_TIMEOUT);
        NotifyRule mail = c.notifyRules().get(1);
        assertThat(mail.name()).isEqualTo("rule-2");
        assertThat(mail.programs()).isEmpty();
        assertThat(mail.target()).isEqualTo(new NotifyTarget.Email(new EmailSpec("smtp.example.com", 587,
                EmailSpec.Security.STARTTLS, Optional.empty(), Optional.empty(), "taskmaster@host.example",
                List.of("ops@example.com"), Optional.empty())));
        NotifyRule pager = c.notifyRules().get(2);
        assertThat(pager.name()).isEqualTo("pager");
        assertThat(pager.on()).isEqualTo(Set.of(NotifyEvent.FATAL));
        assertThat(pager.target()).isEqualTo(new NotifyTarget.Exec("/usr/local/bin/page-oncall --urgent",
                List.of("/usr/local/bin/page-oncall", "--urgent")));
        assertThat(pager.batch()).isEqualTo(Duration.ofMinutes(5));
        assertThat(pager.queue()).isEqualTo(10);
        assertThat(pager.retries()).isEqualTo(2);
        assertThat(pager.timeout()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void emailWithLoginTlsAndItsOwnCa() throws IOException {
        Path password = secret("smtp.pass", "pw\n", "rw-r-----");
        Config c = files.load("""
                notify:
                  - on: [fatal]
                    email: {smtp: mail.example.com, security: tls, user: tm, password_file: smtp.pass, from: tm@a.example, to: ops@a.example}
                  - on: [fatal]
                    email: {smtp: "127.0.0.1:2525", security: none, from: tm@a.example, to: [a@a.example, b@b.example]}
                """);
        assertThat(((NotifyTarget.Email) c.notifyRules().get(0).target()).spec()).isEqualTo(new EmailSpec("mail.example.com", 465,
                EmailSpec.Security.TLS, Optional.of("tm"), Optional.of(password), "tm@a.example", List.of("ops@a.example"),
                Optional.empty()));
        EmailSpec relay = ((NotifyTarget.Email) c.notifyRules().get(1).target()).spec();
        assertThat(relay.port()).isEqualTo(2525);
        assertThat(relay.security()).isEqualTo(EmailSpec.Security.NONE);
        assertThat(relay.to()).containsExactly("a@a.example", "b@b.example");
    }

    @Test
    void execAsAListAndWebhookAsAUrlWithHeaders() {
        Config c = files.load("""
                notify:
                  - on: [fatal]
                    exec: [/bin/sh, -c, "cat > /tmp/x"]
                  - on: [fatal]
                    webhook: http://127.0.0.1:8080/hook
                  - on: [fatal]
                    webhook: {url: "https://chat.example/hook", headers: {Authorization: "Bearer abc"}}
                """);
        assertThat(c.notifyRules().get(0).target()).isEqualTo(new NotifyTarget.Exec("/bin/sh -c cat > /tmp/x",
                List.of("/bin/sh", "-c", "cat > /tmp/x")));
        assertThat(c.notifyRules().get(1).target()).isEqualTo(new NotifyTarget.Webhook(URI.create("http://127.0.0.1:8080/hook"),
                Optional.empty(), Map.of()));
        assertThat(((NotifyTarget.Webhook) c.notifyRules().get(2).target()).headers()).containsEntry("Authorization", "Bearer abc");
    }

    @Test
    void mistakesInTheListAndTheRuleAreLocated() {
        assertThat(files.error("notify: {on: fatal}\n")).isEqualTo("1:9: notify: expected a list of rules (- on: [...]"
                + " with webhook, email or exec), found a mapping");
        assertThat(files.error("notify:\n  - webhook: http://127.0.0.1/\n")).isEqualTo("2:5: notify[0]: expected the"
                + " required key \"on\" (the events to send, like [fatal, exited_unexpectedly]), found no such key");
        assertThat(files.error("notify:\n  - on: [fatal]\n")).isEqualTo("2:5: notify[0]: expected one of webhook, email"
                + " or exec (where the messages go), found none");
        assertThat(files.error("notify:\n  - on: [fatal]\n    exec: /bin/true\n    webhook: http://127.0.0.1/\n"))
                .isEqualTo("4:14: notify[0].webhook: expected exactly one of webhook, email and exec, found exec and"
                        + " webhook; write one rule per target");
        assertThat(files.error("notify:\n  - on: [fatl]\n    exec: /bin/true\n")).isEqualTo("2:10: notify[0].on[0]: expected"
                + " an event, one of exited_unexpectedly, fatal, backoff, unhealthy, healthy, running, daemon_started,"
                + " daemon_stopping, reloaded, reload_failed, log_writing_stopped, start_skipped, found \"fatl\"; did you"
                + " mean \"fatal\"?");
        assertThat(files.error("notify:\n  - on: []\n    exec: /bin/true\n")).startsWith("2:9: notify[0].on: expected at"
                + " least one event (");
        assertThat(files.error("notify:\n  - on: [fatal]\n    exec: /bin/true\n    progams: [web]\n"))
                .isEqualTo("4:5: notify[0].progams: unknown key \"progams\"; did you mean \"programs\"?");
        assertThat(files.error("notify:\n  - on: [fatal]\n    exec: /bin/true\n    programs: [\"web/x\"]\n"))
                .isEqualTo("4:16: notify[0].programs[0]: expected a program name or pattern, like \"web\", \"worker:*\""
                        + " or \"batch-?\", found \"web/x\"");
        assertThat(files.error("notify:\n  - on: [fatal]\n    exec: /bin/true\n    batch: soon\n"))
                .startsWith("4:12: notify[0].batch: expected a duration");
        assertThat(files.error("notify:\n  - on: [fatal]\n    exec: /bin/true\n    queue: 0\n"))
                .isEqualTo("4:12: notify[0].queue: expected an integer from 1 to 100000, found 0");
        assertThat(files.error("notify:\n  - on: [fatal]\n    exec: /bin/true\n    timeout: 0\n"))
                .isEqualTo("4:14: notify[0].timeout: expected a duration greater than 0, found 0");
        assertThat(files.error("notify:\n  - on: [fatal]\n    exec: \"\"\n")).isEqualTo("3:11: notify[0].exec: expected a"
                + " command line, or a list of its words, found an empty one");
        assertThat(files.error("notify:\n  - {on: [fatal], exec: /bin/true, name: \"a b\"}\n")).startsWith(
                "2:42: notify[0].name: expected a rule name of letters, digits");
    }

    @Test
    void ruleNamesAreUniqueIncludingTheDefaultOnes() {
        assertThat(files.error("notify:\n  - {on: [fatal], exec: /bin/true}\n  - {name: rule-1, on: [fatal], exec: /bin/true}\n"))
                .isEqualTo("3:5: notify[1].name: rule \"rule-1\" is already defined at line 2; give each rule its own name");
    }

    @Test
    void webhookMistakesAreLocated() throws IOException {
        assertThat(files.error("notify:\n  - on: [fatal]\n    webhook: http://hooks.example.com/x\n")).isEqualTo(
                "3:14: notify[0].webhook: expected an https:// URL for host hooks.example.com, found plain http://; the"
                        + " messages name programs, exits and output: plaintext is allowed to a loopback host only");
        assertThat(files.error("notify:\n  - on: [fatal]\n    webhook: ftp://x.example/\n")).startsWith(
                "3:14: notify[0].webhook: expected an https:// URL (http:// only to a loopback host)");
        assertThat(files.error("notify:\n  - on: [fatal]\n    webhook: \"https://u:p@x.example/\"\n")).startsWith(
                "3:14: notify[0].webhook: expected a URL without user:password@");
        assertThat(files.error("notify:\n  - on: [fatal]\n    webhook: {secret_file: hook.secret}\n")).isEqualTo(
                "3:14: notify[0].webhook: expected the required key \"url\" (where to POST, like"
                        + " https://hooks.example.com/taskmaster), found no such key");
        assertThat(files.error("notify:\n  - on: [fatal]\n    webhook: {url: \"https://x.example/\", secret: s}\n"))
                .isEqualTo("3:42: notify[0].webhook.secret: unknown key \"secret\"; expected one of: headers, secret_file, url");
        assertThat(files.error("notify:\n  - on: [fatal]\n    webhook: {url: \"https://x.example/\", headers: {Content-Type: x}}\n"))
                .isEqualTo("3:52: notify[0].webhook.headers.Content-Type: header Content-Type is set by the daemon itself;"
                        + " remove it");
        assertThat(files.error("notify:\n  - on: [fatal]\n    webhook: {url: \"https://x.example/\", headers: {X-A: \"a\\nb: c\"}}\n"))
                .startsWith("3:57: notify[0].webhook.headers.X-A: expected a header value without control characters");
    }

    @Test
    void secretFilesAreChecked() throws IOException {
        String rule = "notify:\n  - on: [fatal]\n    webhook: {url: \"https://x.example/\", secret_file: %s}\n";
        assertThat(files.error(rule.formatted("missing.secret"))).isEqualTo("3:55: notify[0].webhook.secret_file: cannot"
                + " read the webhook secret file " + tmp.resolve("missing.secret") + ": no such file");
        secret("open.secret", "s\n", "rw-r--r--");
        assertThat(files.error(rule.formatted("open.secret"))).isEqualTo("3:55: notify[0].webhook.secret_file: expected a"
                + " webhook secret file that only its owner (and group) can read, found " + tmp.resolve("open.secret")
                + " readable by every user; chmod 600 " + tmp.resolve("open.secret"));
        secret("empty.secret", "\n", "rw-------");
        assertThat(files.error(rule.formatted("empty.secret"))).isEqualTo("3:55: notify[0].webhook.secret_file: expected a"
                + " webhook secret on the first line of " + tmp.resolve("empty.secret") + ", found it empty");
        Files.createDirectory(tmp.resolve("dir.secret"));
        assertThat(files.error(rule.formatted("dir.secret"))).startsWith("3:55: notify[0].webhook.secret_file: cannot read"
                + " the webhook secret file " + tmp.resolve("dir.secret") + ": ");
    }

    @Test
    void emailMistakesAreLocated() throws IOException {
        String head = "notify:\n  - on: [fatal]\n    email:\n";
        assertThat(files.error(head + "      from: a@b.example\n      to: [c@d.example]\n")).isEqualTo("4:7: notify[0].email:"
                + " expected the required key \"smtp\" (the mail server, host:port like smtp.example.com:587), found no such key");
        assertThat(files.error(head + "      smtp: m.example\n      from: nobody\n      to: [c@d.example]\n")).isEqualTo(
                "5:13: notify[0].email.from: expected a mail address like ops@example.com, found \"nobody\"");
        assertThat(files.error(head + "      smtp: m.example\n      from: a@b.example\n      to: []\n")).isEqualTo(
                "6:11: notify[0].email.to: expected at least one recipient, found an empty list");
        assertThat(files.error(head + "      smtp: m.example\n      from: a@b.example\n      to: [\"x@y.example\\r\\nBcc: z@z\"]\n"))
                .startsWith("6:12: notify[0].email.to[0]: expected a mail address like ops@example.com, found");
        assertThat(files.error(head + "      smtp: m.example\n      security: ssl3\n      from: a@b.example\n      to: c@d.example\n"))
                .isEqualTo("5:17: notify[0].email.security: expected starttls, tls or none, found \"ssl3\"");
        assertThat(files.error(head + "      smtp: m.example\n      security: none\n      from: a@b.example\n      to: c@d.example\n"))
                .isEqualTo("5:17: notify[0].email.security: expected starttls or tls for the mail server m.example, found"
                        + " none: plaintext SMTP only to a relay on loopback (127.0.0.1, [::1], localhost)");
        secret("smtp.pass", "pw\n", "rw-------");
        assertThat(files.error(head + "      smtp: localhost:25\n      security: none\n      user: u\n      password_file: smtp.pass\n"
                + "      from: a@b.example\n      to: c@d.example\n")).isEqualTo("5:17: notify[0].email.security: expected"
                        + " starttls or tls when a password_file is given, found none: the password would cross the network in clear");
        assertThat(files.error(head + "      smtp: m.example\n      user: u\n      from: a@b.example\n      to: c@d.example\n"))
                .isEqualTo("4:7: notify[0].email: expected user and password_file together, found user without password_file");
        assertThat(files.error(head + "      smtp: m.example:0\n      from: a@b.example\n      to: c@d.example\n"))
                .isEqualTo("4:13: notify[0].email.smtp: expected a port from 1 to 65535, found 0");
        assertThat(files.error(head + "      smtp: m.example\n      from: a@b.example\n      to: c@d.example\n      ca_file: none.pem\n"))
                .startsWith("7:16: notify[0].email.ca_file: cannot read " + tmp.resolve("none.pem"));
        assertThat(files.error(head + "      smtp: m.example\n      from: a@b.example\n      to: c@d.example\n      pasword_file: x\n"))
                .isEqualTo("7:7: notify[0].email.pasword_file: unknown key \"pasword_file\"; did you mean \"password_file\"?");
    }

    @Test
    void rulesBelongInTheMainFile() {
        files.write("more.yaml", "notify:\n  - {on: [fatal], exec: /bin/true}\n");
        assertThat(files.error("include: more.yaml\n")).isEqualTo("2:3: notify: notify rules may only be in the main file ("
                + tmp.resolve("taskmaster.yaml") + "), not in an included file");
    }
}

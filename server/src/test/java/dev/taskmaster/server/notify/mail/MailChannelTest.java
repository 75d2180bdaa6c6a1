package dev.taskmaster.server.notify.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.taskmaster.config.EmailSpec;
import dev.taskmaster.config.EmailSpec.Security;
import dev.taskmaster.server.notify.DeliveryException;
import dev.taskmaster.server.notify.Message;
import dev.taskmaster.testkit.Poll;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SMTP channel against a real GreenMail server in this JVM, with TLS made at test time. */
class MailChannelTest {

    private static final String HOSTNAME = "web01.test";
    private static final String USER = "alerts";
    private static final String PASSWORD = "s3cret pass";

    @TempDir
    Path dir;

    private GreenMail greenMail;
    private int greenMailPort;
    private MailPki pki;
    private final Deque<AutoCloseable> closing = new ArrayDeque<>();
    private Set<Thread> threadsBefore;

    @BeforeEach
    void start() throws Exception {
        threadsBefore = Set.copyOf(Thread.getAllStackTraces().keySet());
        greenMail = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        greenMail.withConfiguration(GreenMailConfiguration.aConfig().withUser("alerts@example.com", USER, PASSWORD));
        greenMail.start();
        greenMailPort = greenMail.getSmtp().getPort();
        pki = new MailPki(dir, "mail-ca");
    }

    @AfterEach
    void stop() throws Exception {
        while (!closing.isEmpty()) {
            closing.pop().close();
        }
        greenMail.stop();
        // GreenMail closes its connections but does not wait for their threads: wait here, so
        // that no test leaves a server thread or a listening port behind.
        String prefix = "smtp:127.0.0.1:" + greenMailPort;
        Poll.until("GreenMail's threads on port " + greenMailPort + " to end", () -> Thread.getAllStackTraces().keySet()
                .stream().noneMatch(t -> t.getName().startsWith(prefix) && t.isAlive()));
        assertThat(listening(greenMailPort)).as("GreenMail's port is closed").isFalse();
        // Angus's write timeout runs an executor per connection ("pool-N-thread-M"): closed with it
        Poll.until("the mail channel's threads to end", () -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.isAlive() && !threadsBefore.contains(t) && t.getName().startsWith("pool-")));
    }

    // --- delivered ---------------------------------------------------------------------------

    @Test
    void deliversOverStartTlsWithLoginCheckingTheCertificate() throws Exception {
        TlsFront front = front(TlsFront.Mode.STARTTLS, List.of("127.0.0.1"));
        MailChannel channel = new MailChannel(spec(front.port(), Security.STARTTLS, true), HOSTNAME);

        channel.deliver(message("[web01] worker:0 FATAL: exited with status 3, 5 restarts", "worker:0 died\nlast lines: boom\n"));

        MimeMessage got = onlyMessage();
        assertThat(got.getSubject()).isEqualTo("[web01] worker:0 FATAL: exited with status 3, 5 restarts");
        // GreenMail keeps a 7-bit body without its last line end (the CRLF before the final ".")
        assertThat(body(got)).isEqualTo("worker:0 died\nlast lines: boom");
        assertThat(got.getContentType()).startsWith("text/plain").containsIgnoringCase("charset=UTF-8");
        assertThat(got.getFrom()[0].toString()).isEqualTo("taskmaster@web01.test");
        assertThat(got.getHeader("X-Taskmaster-Rule")).containsExactly("fatal-to-ops");
        assertThat(got.getHeader("X-Taskmaster-Host")).containsExactly(HOSTNAME);
        assertThat(got.getHeader("Message-ID")[0]).matches("<[^@>]+@" + HOSTNAME.replace(".", "\\.") + ">");
        assertThat(got.getSentDate()).isNotNull();
        // EHLO with our name, STARTTLS, EHLO again inside TLS, and only then the login
        String said = front.clientSaid();
        assertThat(said).startsWith("EHLO " + HOSTNAME + "\r\nSTARTTLS\r\nEHLO " + HOSTNAME + "\r\nAUTH ");
        assertThat(front.handshakeFailures).isEmpty();
    }

    @Test
    void deliversOverSmtps() throws Exception {
        TlsFront front = front(TlsFront.Mode.SMTPS, List.of("127.0.0.1"));

        new MailChannel(spec(front.port(), Security.TLS, true), HOSTNAME).deliver(message("over smtps", "body"));

        assertThat(onlyMessage().getSubject()).isEqualTo("over smtps");
        assertThat(front.clientSaid()).startsWith("EHLO " + HOSTNAME + "\r\nAUTH ");
    }

    @Test
    void deliversInPlainTextWithoutLoginWhenSecurityIsNone() throws Exception {
        TlsFront front = front(TlsFront.Mode.PLAIN, List.of("127.0.0.1"));

        new MailChannel(spec(front.port(), Security.NONE, false), HOSTNAME).deliver(message("plain", "body"));

        assertThat(onlyMessage().getSubject()).isEqualTo("plain");
        assertThat(front.clientSaid()).startsWith("EHLO " + HOSTNAME + "\r\nMAIL FROM:").doesNotContain("AUTH", "STARTTLS");
    }

    @Test
    void keepsUnicodeInSubjectBodyAndRuleName() throws Exception {
        TlsFront front = front(TlsFront.Mode.STARTTLS, List.of("127.0.0.1"));
        String subject = "[wéb01] wörker:0 FATAL — 終了しました ✓ " + "ü".repeat(80);
        String text = "Ärger: 进程退出\nlast lines:\n  ошибка ✗\n";

        new MailChannel(spec(front.port(), Security.STARTTLS, true), HOSTNAME)
                .deliver(new Message("règle-été", subject, text, "{}", Map.of()));

        MimeMessage got = onlyMessage();
        assertThat(got.getSubject()).isEqualTo(subject);
        assertThat(body(got)).isEqualTo(text);
        assertThat(jakarta.mail.internet.MimeUtility.decodeText(
                jakarta.mail.internet.MimeUtility.unfold(got.getHeader("X-Taskmaster-Rule")[0]))).isEqualTo("règle-été");
    }

    @Test
    void mailsEveryRecipientInOneMessage() throws Exception {
        TlsFront front = front(TlsFront.Mode.STARTTLS, List.of("127.0.0.1"));
        EmailSpec spec = new EmailSpec("127.0.0.1", front.port(), Security.STARTTLS, Optional.of(USER),
                Optional.of(passwordFile(PASSWORD)), "taskmaster@web01.test",
                List.of("ops@example.com", "dev@example.org", "Night Shift <night@example.net>"), Optional.of(pki.caFile));

        new MailChannel(spec, HOSTNAME).deliver(message("to three", "body"));

        assertThat(greenMail.getReceivedMessages()).hasSize(3); // one copy per mailbox
        for (String domain : List.of("example.com", "example.org", "example.net")) {
            MimeMessage copy = greenMail.getReceivedMessagesForDomain(domain)[0];
            assertThat(copy.getHeader("To")[0]).contains("ops@example.com", "dev@example.org", "night@example.net");
        }
        assertThat(front.clientSaid()).containsOnlyOnce("DATA\r\n");
    }

    @Test
    void readsThePasswordFileAtEachDelivery() throws Exception {
        TlsFront front = front(TlsFront.Mode.STARTTLS, List.of("127.0.0.1"));
        EmailSpec spec = spec(front.port(), Security.STARTTLS, true);
        Path file = spec.passwordFile().orElseThrow();
        MailChannel channel = new MailChannel(spec, HOSTNAME);

        channel.deliver(message("first", "body"));
        Files.writeString(file, "an old password\n");
        DeliveryException rejected = catchThrowableOfType(DeliveryException.class,
                () -> channel.deliver(message("second", "body")));
        Files.writeString(file, PASSWORD + "\nsecond line ignored\n");
        channel.deliver(message("third", "body"));

        assertThat(rejected.permanent()).isTrue();
        assertThat(rejected.getMessage()).contains("535");
        assertThat(greenMail.getReceivedMessages()).extracting(MimeMessage::getSubject).containsExactly("first", "third");
    }

    @Test
    void manyDeliveriesInARowEachUseOneConnectionAndLeaveNothingOpen() throws Exception {
        TlsFront front = front(TlsFront.Mode.STARTTLS, List.of("127.0.0.1"));
        EmailSpec good = spec(front.port(), Security.STARTTLS, true);
        EmailSpec bad = new EmailSpec("127.0.0.1", front.port(), Security.STARTTLS, Optional.of(USER),
                Optional.of(passwordFile("wrong")), "taskmaster@web01.test", List.of("ops@example.com"), Optional.of(pki.caFile));

        for (int i = 0; i < 20; i++) {
            new MailChannel(good, HOSTNAME).deliver(message("n" + i, "body " + i));
            assertThat(catchThrowableOfType(DeliveryException.class,
                    () -> new MailChannel(bad, HOSTNAME).deliver(message("x", "y"))).permanent()).isTrue();
        }

        assertThat(greenMail.getReceivedMessages()).hasSize(20);
        String said = front.clientSaid();
        assertThat(said.split("\r\nSTARTTLS\r\n", -1)).hasSize(41); // one connection per delivery
        assertThat(said.split("\r\nQUIT\r\n", -1)).hasSize(21); // after a rejected login Angus just hangs up
        Poll.until("the channel to have closed every connection", () -> front.openConnections() == 0);
    }

    // --- refused, permanently ----------------------------------------------------------------

    @Test
    void aRejectedLoginIsPermanentWithTheServersAnswer() throws Exception {
        TlsFront front = front(TlsFront.Mode.STARTTLS, List.of("127.0.0.1"));
        EmailSpec spec = new EmailSpec("127.0.0.1", front.port(), Security.STARTTLS, Optional.of(USER),
                Optional.of(passwordFile("wrong")), "taskmaster@web01.test", List.of("ops@example.com"), Optional.of(pki.caFile));

        DeliveryException e = failure(new MailChannel(spec, HOSTNAME));

        assertThat(e.permanent()).isTrue();
        assertThat(e.getMessage()).startsWith("SMTP login to 127.0.0.1:" + front.port() + " as alerts rejected: 535 ")
                .contains("Authentication credentials invalid").doesNotContain("\n", "wrong");
        assertThat(greenMail.getReceivedMessages()).isEmpty();
    }

    @Test
    void aServerWithoutStartTlsIsPermanentAndHearsNoPassword() throws Exception {
        TlsFront plain = front(TlsFront.Mode.PLAIN, List.of("127.0.0.1"));

        DeliveryException e = failure(new MailChannel(spec(plain.port(), Security.STARTTLS, true), HOSTNAME));

        assertThat(e.permanent()).isTrue();
        assertThat(e.getMessage()).isEqualTo("SMTP server 127.0.0.1:" + plain.port() + " does not offer STARTTLS, and"
                + " security is starttls (use security: tls if it speaks TLS from the start, usually on port 465)");
        assertThat(plain.clientSaid()).doesNotContain("AUTH", "MAIL FROM");
        assertThat(greenMail.getReceivedMessages()).isEmpty();
    }

    @Test
    void aCertificateOfAnotherCaIsPermanent() throws Exception {
        MailPki stranger = new MailPki(dir, "stranger-ca");
        TlsFront front = closing(new TlsFront(TlsFront.Mode.STARTTLS, stranger.server(List.of("127.0.0.1")), greenMailPort));

        DeliveryException e = failure(new MailChannel(spec(front.port(), Security.STARTTLS, true), HOSTNAME));

        assertThat(e.permanent()).isTrue();
        assertThat(e.getMessage()).startsWith("TLS: the certificate of SMTP server 127.0.0.1:" + front.port()
                + " is not trusted by ca_file " + pki.caFile + " (");
        assertThat(front.clientSaid()).doesNotContain("AUTH");
    }

    @Test
    void theJdkTrustStoreDoesNotTrustAPrivateCa() throws Exception {
        TlsFront front = front(TlsFront.Mode.SMTPS, List.of("127.0.0.1"));
        EmailSpec spec = new EmailSpec("127.0.0.1", front.port(), Security.TLS, Optional.empty(), Optional.empty(),
                "taskmaster@web01.test", List.of("ops@example.com"), Optional.empty());

        DeliveryException e = failure(new MailChannel(spec, HOSTNAME));

        assertThat(e.permanent()).isTrue();
        assertThat(e.getMessage()).contains("is not trusted by the JDK's trust store");
    }

    @Test
    void aCertificateForAnotherHostIsPermanent() throws Exception {
        TlsFront front = front(TlsFront.Mode.SMTPS, List.of("smtp.elsewhere.test"));

        DeliveryException e = failure(new MailChannel(spec(front.port(), Security.TLS, true), HOSTNAME));

        assertThat(e.permanent()).isTrue();
        assertThat(e.getMessage()).startsWith("TLS: the certificate of SMTP server 127.0.0.1:" + front.port()
                + " is not for 127.0.0.1 (");
        assertThat(front.clientSaid()).isEmpty();
    }

    @Test
    void tlsToAPlainPortIsPermanentWithAHint() throws Exception {
        DeliveryException e = failure(new MailChannel(spec(greenMailPort, Security.TLS, true), HOSTNAME));

        assertThat(e.permanent()).isTrue();
        assertThat(e.getMessage()).startsWith("TLS with SMTP server 127.0.0.1:" + greenMailPort + " failed: ")
                .endsWith("(security: tls wants TLS from the first byte, usually port 465; port 587 wants starttls)");
    }

    @Test
    void securityNoneNeverSendsAPassword() throws Exception {
        TlsFront front = front(TlsFront.Mode.PLAIN, List.of("127.0.0.1"));

        DeliveryException e = failure(new MailChannel(spec(front.port(), Security.NONE, true), HOSTNAME));

        assertThat(e.permanent()).isTrue();
        assertThat(e.getMessage()).isEqualTo("refusing to send the SMTP password of alerts to 127.0.0.1:" + front.port()
                + " without encryption (security: none); use starttls or tls");
        assertThat(front.clientSaid()).isEmpty();
    }

    @Test
    void aMissingOrOpenPasswordFileIsPermanentNamingTheFile() throws Exception {
        TlsFront front = front(TlsFront.Mode.STARTTLS, List.of("127.0.0.1"));
        Path missing = dir.resolve("no-such.password");
        EmailSpec spec = new EmailSpec("127.0.0.1", front.port(), Security.STARTTLS, Optional.of(USER), Optional.of(missing),
                "taskmaster@web01.test", List.of("ops@example.com"), Optional.of(pki.caFile));
        DeliveryException e = failure(new MailChannel(spec, HOSTNAME));
        assertThat(e.permanent()).isTrue();
        assertThat(e.getMessage()).isEqualTo("SMTP password_file " + missing + ": no such file");

        Path open = passwordFile(PASSWORD);
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        spec = new EmailSpec("127.0.0.1", front.port(), Security.STARTTLS, Optional.of(USER), Optional.of(open),
                "taskmaster@web01.test", List.of("ops@example.com"), Optional.of(pki.caFile));
        e = failure(new MailChannel(spec, HOSTNAME));
        assertThat(e.permanent()).isTrue();
        assertThat(e.getMessage()).isEqualTo("SMTP password_file " + open + ": readable by every user; chmod 600 " + open);
        assertThat(front.clientSaid()).isEmpty();
    }

    @Test
    void aMissingCaFileIsPermanentNamingTheFile() throws Exception {
        Path missing = dir.resolve("gone-ca.crt");
        EmailSpec spec = new EmailSpec("127.0.0.1", greenMailPort, Security.STARTTLS, Optional.empty(), Optional.empty(),
                "taskmaster@web01.test", List.of("ops@example.com"), Optional.of(missing));

        DeliveryException e = failure(new MailChannel(spec, HOSTNAME));

        assertThat(e.permanent()).isTrue();
        assertThat(e.getMessage()).isEqualTo("SMTP ca_file " + missing + ": no such file");
    }

    // --- transient ---------------------------------------------------------------------------

    @Test
    void nothingListeningIsTransient() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }

        DeliveryException e = failure(new MailChannel(spec(port, Security.STARTTLS, true), HOSTNAME));

        assertThat(e.permanent()).isFalse();
        assertThat(e.getMessage()).startsWith("cannot connect to SMTP server 127.0.0.1:" + port + ": connection refused");
    }

    @Test
    void aServerThatNeverSpeaksTimesOutTransiently() throws Exception {
        ScriptedSmtp silent = closing(new ScriptedSmtp(null, line -> "500 unused"));
        long start = System.nanoTime();

        DeliveryException e = failure(new MailChannel(spec(silent.port(), Security.STARTTLS, true), HOSTNAME,
                Duration.ofMillis(300)));

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertThat(e.permanent()).isFalse();
        assertThat(e.getMessage()).startsWith("SMTP server 127.0.0.1:" + silent.port() + " did not answer in time");
    }

    private DeliveryException failure(MailChannel channel) {
        DeliveryException e = catchThrowableOfType(DeliveryException.class, () -> channel.deliver(message("s", "t")));
        assertThat(e).as("delivery fails").isNotNull();
        assertThat(e.getMessage()).doesNotContain("\n", "\r");
        return e;
    }

    // --- helpers -----------------------------------------------------------------------------

    private TlsFront front(TlsFront.Mode mode, List<String> certificateNames) throws Exception {
        return closing(new TlsFront(mode, pki.server(certificateNames), greenMailPort));
    }

    private <T extends AutoCloseable> T closing(T resource) {
        closing.push(resource);
        return resource;
    }

    private EmailSpec spec(int port, Security security, boolean login) throws IOException {
        return new EmailSpec("127.0.0.1", port, security, login ? Optional.of(USER) : Optional.empty(),
                login ? Optional.of(passwordFile(PASSWORD)) : Optional.empty(), "taskmaster@web01.test",
                List.of("ops@example.com"), Optional.of(pki.caFile));
    }

    private Path passwordFile(String password) throws IOException {
        Path file = Files.createTempFile(dir, "smtp", ".password");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return Files.writeString(file, password + "\n");
    }

    private static Message message(String subject, String text) {
        return new Message("fatal-to-ops", subject, text, "{}", Map.of());
    }

    private MimeMessage onlyMessage() {
        MimeMessage[] got = greenMail.getReceivedMessages();
        assertThat(got).hasSize(1);
        return got[0];
    }

    private static String body(MimeMessage m) throws Exception {
        return ((String) m.getContent()).replace("\r\n", "\n");
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}

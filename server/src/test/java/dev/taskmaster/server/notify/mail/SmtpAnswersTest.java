package dev.taskmaster.server.notify.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.taskmaster.config.EmailSpec;
import dev.taskmaster.config.EmailSpec.Security;
import dev.taskmaster.server.notify.DeliveryException;
import dev.taskmaster.server.notify.Message;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The SMTP answers GreenMail never gives, from a scripted server over a real socket: what
 * Angus makes of them and which are worth a retry.
 */
class SmtpAnswersTest {

    private static final String FROM = "taskmaster@web01.test";

    @Test
    void aRefusedRecipientIsPermanentAndNamed() throws Exception {
        DeliveryException e = deliver("220 scripted ESMTP", rcpt(to -> to.contains("gone@")
                ? "550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown"
                : "250 2.1.5 OK"), List.of("ops@example.com", "gone@example.com"));

        assertThat(e.permanent()).isTrue();
        assertThat(e.getMessage()).startsWith("SMTP server 127.0.0.1:").contains(
                " refused the recipient gone@example.com (550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown)")
                .doesNotContain("ops@example.com");
    }

    @Test
    void everyRefusedRecipientIsNamed() throws Exception {
        DeliveryException e = deliver("220 scripted ESMTP", rcpt(to -> "550 5.1.1 no such user"),
                List.of("a@example.com", "b@example.com"));

        assertThat(e.permanent()).isTrue();
        assertThat(e.getMessage()).contains("refused the recipients a@example.com (550 5.1.1 no such user),"
                + " b@example.com (550 5.1.1 no such user)");
    }

    @Test
    void aRecipientToTryLaterIsTransient() throws Exception {
        DeliveryException e = deliver("220 scripted ESMTP",
                rcpt(to -> "450 4.2.0 <ops@example.com>: Recipient address rejected: Greylisted"), List.of("ops@example.com"));

        assertThat(e.permanent()).isFalse();
        assertThat(e.getMessage()).contains("refused the recipient ops@example.com (450 4.2.0 ");
    }

    @Test
    void aRefusedSenderIsPermanentAndNamed() throws Exception {
        DeliveryException e = deliver("220 scripted ESMTP",
                line -> line.startsWith("MAIL FROM") ? "553 5.7.1 Sender address rejected: not owned by user" : "250 OK",
                List.of("ops@example.com"));

        assertThat(e.permanent()).isTrue();
        assertThat(e.getMessage()).contains("refused the sender " + FROM + ": 553 5.7.1 Sender address rejected");
    }

    @Test
    void aMessageRefusedAfterItsTextFollowsTheReplyClass() throws Exception {
        DeliveryException permanent = deliver("220 scripted ESMTP",
                line -> line.equals(".") ? "554 5.7.1 Message rejected as spam" : "250 OK", List.of("ops@example.com"));
        DeliveryException later = deliver("220 scripted ESMTP",
                line -> line.equals(".") ? "451 4.3.0 Temporary local problem" : "250 OK", List.of("ops@example.com"));

        assertThat(permanent.permanent()).isTrue();
        assertThat(permanent.getMessage()).contains("refused the message: 554 5.7.1 Message rejected as spam");
        assertThat(later.permanent()).isFalse();
        assertThat(later.getMessage()).contains("refused the message: 451 4.3.0 Temporary local problem");
    }

    @Test
    void aBusyGreetingIsTransientAndARefusingOneIsPermanent() throws Exception {
        DeliveryException busy = deliver("421 4.3.2 Service not available, closing channel", line -> "250 OK",
                List.of("ops@example.com"));
        DeliveryException refusing = deliver("554 5.7.1 No SMTP service here", line -> "250 OK", List.of("ops@example.com"));

        assertThat(busy.permanent()).isFalse();
        assertThat(busy.getMessage()).contains("421 4.3.2 Service not available");
        assertThat(refusing.permanent()).isTrue();
        assertThat(refusing.getMessage()).contains("554 5.7.1 No SMTP service here");
    }

    @Test
    void describesItselfInWords() {
        EmailSpec spec = new EmailSpec("smtp.example.com", 587, Security.STARTTLS, Optional.empty(), Optional.empty(), FROM,
                List.of("a@x.example", "b@y.example"), Optional.empty());

        assertThat(new MailChannel(spec, "web01").describe())
                .isEqualTo("email to a@x.example, b@y.example via smtp.example.com:587 (starttls)");
    }

    /** The answer to RCPT TO from {@code refusal} (given the command line), "250 OK" to the rest. */
    private static Function<String, String> rcpt(Function<String, String> refusal) {
        return line -> line.startsWith("RCPT TO") ? refusal.apply(line) : "250 OK";
    }

    private static DeliveryException deliver(String greeting, Function<String, String> answers, List<String> to)
            throws Exception {
        try (ScriptedSmtp server = new ScriptedSmtp(greeting, answers)) {
            EmailSpec spec = new EmailSpec("127.0.0.1", server.port(), Security.NONE, Optional.empty(), Optional.empty(),
                    FROM, to, Optional.empty());
            DeliveryException e = catchThrowableOfType(DeliveryException.class,
                    () -> new MailChannel(spec, "web01.test").deliver(new Message("r", "s", "t", "{}", Map.of())));
            assertThat(e).as("delivery fails").isNotNull();
            assertThat(e.getMessage()).doesNotContain("\n", "\r");
            return e;
        }
    }
}

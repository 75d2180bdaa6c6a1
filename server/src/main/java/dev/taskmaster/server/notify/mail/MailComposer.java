package dev.taskmaster.server.notify.mail;

import dev.taskmaster.config.EmailSpec;
import dev.taskmaster.server.notify.DeliveryException;
import dev.taskmaster.server.notify.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeUtility;
import java.io.UnsupportedEncodingException;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import java.util.UUID;

/**
 * Turns a notification into a MIME message: From, To, a one-line UTF-8 Subject, a text/plain
 * UTF-8 body, Date, a Message-ID under this host's name, and headers saying which rule and host
 * sent it. Stateless; any thread.
 */
final class MailComposer {

    static final String RULE_HEADER = "X-Taskmaster-Rule";
    static final String HOST_HEADER = "X-Taskmaster-Host";

    private MailComposer() {
    }

    static MimeMessage compose(Session session, EmailSpec spec, String hostname, Message message)
            throws DeliveryException {
        MimeMessage mime = new IdentifiedMessage(session, messageId(hostname));
        try {
            mime.setFrom(address(spec.from(), "from"));
            List<String> to = spec.to();
            InternetAddress[] recipients = new InternetAddress[to.size()];
            for (int i = 0; i < recipients.length; i++) {
                recipients[i] = address(to.get(i), "to");
            }
            mime.setRecipients(jakarta.mail.Message.RecipientType.TO, recipients);
            mime.setSubject(oneLine(message.subject()), StandardCharsets.UTF_8.name());
            mime.setSentDate(new Date());
            mime.setHeader(RULE_HEADER, header(RULE_HEADER, message.rule()));
            mime.setHeader(HOST_HEADER, header(HOST_HEADER, hostname));
            // RFC 3834: no vacation or out-of-office replies to a machine.
            mime.setHeader("Auto-Submitted", "auto-generated");
            mime.setText(message.text(), StandardCharsets.UTF_8.name()); // text/plain; charset=UTF-8
            mime.saveChanges();
        } catch (MessagingException e) {
            throw new DeliveryException("cannot compose the email: " + e.getMessage(), true, e);
        }
        return mime;
    }

    private static InternetAddress address(String text, String field) throws DeliveryException {
        try {
            return new InternetAddress(text, true);
        } catch (AddressException e) {
            throw new DeliveryException("email " + field + " address \"" + text + "\" is not valid: " + e.getMessage(),
                    true, e);
        }
    }

    /** A header value: one line, RFC 2047-encoded when it is not ASCII, folded to the line length. */
    private static String header(String name, String value) {
        try {
            String encoded = MimeUtility.encodeText(oneLine(value), StandardCharsets.UTF_8.name(), null);
            return MimeUtility.fold(name.length() + 2, encoded);
        } catch (UnsupportedEncodingException e) {
            throw new IllegalStateException("UTF-8 is always supported", e);
        }
    }

    /** Line breaks out: a header of several lines would be a header injection. */
    static String oneLine(String text) {
        return text.replaceAll("[\\r\\n]+", " ").strip();
    }

    /** {@code <random@host>}: unique, and says which host sent it. */
    static String messageId(String hostname) {
        String host = hostname.replaceAll("[^A-Za-z0-9.-]", "-");
        return "<" + UUID.randomUUID() + ".taskmaster@" + (host.isEmpty() ? "localhost" : host) + ">";
    }

    /** A MimeMessage whose Message-ID is ours rather than one made from the JVM's idea of the host. */
    private static final class IdentifiedMessage extends MimeMessage {

        private final String id;

        IdentifiedMessage(Session session, String id) {
            super(session);
            this.id = id;
        }

        @Override
        protected void updateMessageID() throws MessagingException {
            setHeader("Message-ID", id);
        }
    }
}

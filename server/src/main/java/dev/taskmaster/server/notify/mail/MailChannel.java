package dev.taskmaster.server.notify.mail;

import dev.taskmaster.config.EmailSpec;
import dev.taskmaster.server.notify.Channel;
import dev.taskmaster.server.notify.DeliveryException;
import dev.taskmaster.server.notify.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import javax.net.ssl.SSLSocketFactory;

/**
 * Mails a rule's messages through SMTP, with Jakarta Mail (Eclipse Angus): one connection per
 * message, STARTTLS required by default, the server's certificate checked (chain and name)
 * against {@code ca_file} or the JDK's trust store, the password read from its file at each
 * delivery. Failures are {@link DeliveryException}s of one line, permanent or transient as
 * {@link SmtpFailures} decides.
 *
 * <p>Threading: {@link #deliver} blocks (at most {@link #TIMEOUT} per network step) and is
 * called from the notifier's delivery thread, one message at a time; it keeps no state between
 * calls. {@link #describe} may be called from any thread.
 */
public final class MailChannel implements Channel {

    /** The longest wait for connecting, and for each read and write, before the delivery fails (transient). */
    public static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final EmailSpec spec;
    private final String hostname;
    private final Duration timeout;

    /**
     * @param spec     where and how to mail
     * @param hostname this host's name, for the HELO/EHLO greeting and the Message-ID
     */
    public MailChannel(EmailSpec spec, String hostname) {
        this(spec, hostname, TIMEOUT);
    }

    /** With another timeout than {@link #TIMEOUT}: for tests of a stalled server. */
    MailChannel(EmailSpec spec, String hostname, Duration timeout) {
        this.spec = Objects.requireNonNull(spec);
        this.hostname = Objects.requireNonNull(hostname);
        this.timeout = Objects.requireNonNull(timeout);
    }

    @Override
    public void deliver(Message message) throws DeliveryException {
        String password = password();
        SSLSocketFactory sockets = spec.security() == EmailSpec.Security.NONE ? null : ServerTrust.sockets(spec.caFile());
        Session session = Session.getInstance(SmtpProperties.of(spec, hostname, timeout, sockets));
        MimeMessage mime = MailComposer.compose(session, spec, hostname, message);
        Transport transport = null;
        try {
            transport = session.getTransport("smtp");
            transport.connect(spec.host(), spec.port(), spec.user().orElse(null), password);
            transport.sendMessage(mime, mime.getAllRecipients());
        } catch (MessagingException e) {
            throw SmtpFailures.of(spec, e);
        } finally {
            close(transport);
        }
    }

    /** The password to log in with, or null when there is no user; never sent without encryption. */
    private String password() throws DeliveryException {
        if (spec.user().isEmpty()) {
            return null;
        }
        String user = spec.user().get();
        if (spec.security() == EmailSpec.Security.NONE) {
            throw new DeliveryException("refusing to send the SMTP password of " + user + " to " + spec.host() + ":"
                    + spec.port() + " without encryption (security: none); use starttls or tls", true);
        }
        if (spec.passwordFile().isEmpty()) {
            throw new DeliveryException("SMTP user " + user + " has no password_file to log in with", true);
        }
        return PasswordFile.read(spec.passwordFile().get());
    }

    /** QUIT after the message was accepted: a failure here does not undo the delivery. */
    private static void close(Transport transport) {
        if (transport == null) {
            return;
        }
        try {
            transport.close();
        } catch (MessagingException e) {
            // the server already has the message, or the failure is being reported
        }
    }

    @Override
    public String describe() {
        return "email to " + String.join(", ", spec.to()) + " via " + spec.host() + ":" + spec.port() + " ("
                + spec.security().name().toLowerCase(Locale.ROOT) + ")";
    }
}
